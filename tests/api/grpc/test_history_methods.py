"""ListUserPoolVersions, RestoreUserPool and CompareUserPools over a real gRPC
connection, and the risk of each change in UpdateUserPool's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2, json_format

from gateway.core.record import PoolRecord
from tests.api.grpc.conftest import PB, details
from tests.conftest import PoolFactory


def update(pool_id: str, paths: list[str], **values: Any) -> Any:
    return PB.UpdateUserPoolRequest(
        user_pool=PB.UserPool(id=pool_id, **values),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
    )


def change(message: Any) -> tuple[str, Any, Any, str]:
    return (
        message.path,
        json_format.MessageToDict(message.before),
        json_format.MessageToDict(message.after),
        PB.ChangeRisk.Name(message.risk),
    )


async def test_versions_restore_and_compare(
    stub: Any, new_full_pool: PoolFactory, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    first = (await stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id))).etag
    inactive = PB.DeletionProtectionType.Value("DELETION_PROTECTION_TYPE_INACTIVE")
    answer = await stub.UpdateUserPool(
        update(pool_id, ["deletion_protection"], deletion_protection=inactive),
        metadata=(("x-request-id", "grpc-req-1"),),
    )
    assert [change(c) for c in answer.changes] == [
        (
            "deletion_protection",
            "DELETION_PROTECTION_TYPE_ACTIVE",
            "DELETION_PROTECTION_TYPE_INACTIVE",
            "CHANGE_RISK_HIGH",
        )
    ]

    listed = await stub.ListUserPoolVersions(PB.ListUserPoolVersionsRequest(id=pool_id))
    assert [(v.version, PB.VersionSource.Name(v.source)) for v in listed.versions] == [
        (answer.user_pool.etag, "VERSION_SOURCE_GATEWAY"),
        (first, "VERSION_SOURCE_EXTERNAL"),
    ]
    newest = listed.versions[0]
    assert (newest.principal, newest.request_id) == ("none:anonymous", "grpc-req-1")
    assert newest.record_time.seconds > 0
    assert [change(c) for c in newest.changes] == [
        (
            "deletion_protection",
            "DELETION_PROTECTION_TYPE_ACTIVE",
            "DELETION_PROTECTION_TYPE_INACTIVE",
            "CHANGE_RISK_HIGH",
        )
    ]
    page = await stub.ListUserPoolVersions(PB.ListUserPoolVersionsRequest(id=pool_id, page_size=1))
    assert page.next_page_token
    rest = await stub.ListUserPoolVersions(
        PB.ListUserPoolVersionsRequest(id=pool_id, page_token=page.next_page_token)
    )
    assert [v.version for v in rest.versions] == [first]

    compared = await stub.CompareUserPools(PB.CompareUserPoolsRequest(left=pool_id, right=pool_id))
    assert list(compared.changes) == []

    dry = await stub.RestoreUserPool(
        PB.RestoreUserPoolRequest(id=pool_id, version=first, validate_only=True)
    )
    assert dry.user_pool.etag == first
    assert PoolRecord.of(await describe(pool_id)).version == answer.user_pool.etag
    restored = await stub.RestoreUserPool(PB.RestoreUserPoolRequest(id=pool_id, version=first))
    assert [change(c) for c in restored.changes] == [
        (
            "deletion_protection",
            "DELETION_PROTECTION_TYPE_INACTIVE",
            "DELETION_PROTECTION_TYPE_ACTIVE",
            "CHANGE_RISK_LOW",
        )
    ]
    assert PoolRecord.of(await describe(pool_id)).version == first


async def test_restoring_an_unknown_version_is_not_found(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.RestoreUserPool(PB.RestoreUserPoolRequest(id=pool_id, version="0" * 20))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert details(error.value)["reason"] == "NOT_FOUND"


async def test_export_create_compare_and_copy(stub: Any, new_full_pool: PoolFactory) -> None:
    pool_id = await new_full_pool()
    exported = await stub.ExportUserPool(PB.ExportUserPoolRequest(id=pool_id))
    assert exported.pool_name == "acme-customers"
    # Without authentication the caller is an admin, who may read the secret.
    assert exported.sms_configuration.external_id == "acme-sms-external-id"
    # The answer is a CreateUserPoolRequest byte for byte.
    request = PB.CreateUserPoolRequest.FromString(exported.SerializeToString())
    assert request.sms_configuration.external_id == "acme-sms-external-id"
    request.pool_name = "acme-grpc-copy"
    created = await stub.CreateUserPool(request)
    compared = await stub.CompareUserPools(
        PB.CompareUserPoolsRequest(left=pool_id, right=created.id)
    )
    assert [change(c) for c in compared.changes] == [
        ("name", "acme-customers", "acme-grpc-copy", "CHANGE_RISK_LOW")
    ]

    bare = await stub.CreateUserPool(PB.CreateUserPoolRequest(pool_name="bare-grpc"))
    before = await stub.CompareUserPools(PB.CompareUserPoolsRequest(left=pool_id, right=bare.id))
    copied = await stub.CopyUserPoolSettings(
        PB.CopyUserPoolSettingsRequest(
            source_id=pool_id,
            target_id=bare.id,
            copy_mask=field_mask_pb2.FieldMask(paths=["policies.password_policy"]),
        )
    )
    assert {c.path for c in copied.changes} == {
        c.path for c in before.changes if c.path.startswith("policies.password_policy.")
    }
    after = await stub.CompareUserPools(PB.CompareUserPoolsRequest(left=pool_id, right=bare.id))
    assert [c.path for c in after.changes] == [
        c.path for c in before.changes if not c.path.startswith("policies.password_policy.")
    ]


async def test_a_copy_path_that_is_no_setting_is_named(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.CopyUserPoolSettings(
            PB.CopyUserPoolSettingsRequest(
                source_id=pool_id,
                target_id=pool_id,
                copy_mask=field_mask_pb2.FieldMask(paths=["policies", "policies.nope"]),
            )
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(error.value)["violations"][0][0] == "copy_mask.paths[1]"


async def test_versions_carry_their_configuration_and_compare_with_each_other(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    first = (await stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id))).etag
    inactive = PB.DeletionProtectionType.Value("DELETION_PROTECTION_TYPE_INACTIVE")
    written = await stub.UpdateUserPool(
        update(pool_id, ["deletion_protection"], deletion_protection=inactive)
    )
    newest, oldest = (
        await stub.ListUserPoolVersions(PB.ListUserPoolVersionsRequest(id=pool_id))
    ).versions
    exported = await stub.ExportUserPool(PB.ExportUserPoolRequest(id=pool_id))
    assert newest.configuration.deletion_protection == inactive
    assert oldest.configuration.deletion_protection != inactive
    assert newest.configuration.policies == exported.policies
    assert newest.configuration.sms_configuration.external_id != (
        exported.sms_configuration.external_id  # the history never keeps a secret
    )
    compared = await stub.CompareUserPoolVersions(
        PB.CompareUserPoolVersionsRequest(id=pool_id, left=first, right=written.user_pool.etag)
    )
    assert [change(c) for c in compared.changes] == [
        (
            "deletion_protection",
            "DELETION_PROTECTION_TYPE_ACTIVE",
            "DELETION_PROTECTION_TYPE_INACTIVE",
            "CHANGE_RISK_HIGH",
        )
    ]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.CompareUserPoolVersions(
            PB.CompareUserPoolVersionsRequest(id=pool_id, left=first, right="0" * 24)
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert "right" in unknown.value.details()
