"""UserPoolService over a real gRPC connection, against the emulator behind the proxy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2, json_format

from gateway.core.rules import update_request_from
from tests.api.grpc.conftest import PB, details
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.fault_proxy import FaultProxy


def update(pool_id: str, paths: list[str], etag: str = "", **values: Any) -> Any:
    return PB.UpdateUserPoolRequest(
        user_pool=PB.UserPool(id=pool_id, **values),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
        etag=etag,
    )


async def refused(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value


def changed_leaves(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    old, new = update_request_from(before), update_request_from(after)
    return {k for k in set(old) | set(new) if old.get(k) != new.get(k)}


async def test_get_returns_every_member_with_enums_and_an_etag(
    stub: Any, new_full_pool: PoolFactory, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    pool = await stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id))
    truth = await describe(pool_id)
    assert (pool.id, pool.name) == (pool_id, truth["Name"])
    assert PB.DeletionProtectionType.Name(pool.deletion_protection) == (
        "DELETION_PROTECTION_TYPE_ACTIVE"
    )
    assert pool.policies.password_policy.minimum_length == 12
    assert dict(pool.user_pool_tags) == truth["UserPoolTags"]
    assert pool.lambda_config.kms_key_id == truth["LambdaConfig"]["KMSKeyID"]
    assert pool.creation_date.ToDatetime().timestamp() == pytest.approx(
        truth["CreationDate"].timestamp(), abs=1
    )
    assert [PB.VerifiedAttributeType.Name(v) for v in pool.auto_verified_attributes] == [
        "VERIFIED_ATTRIBUTE_TYPE_EMAIL",
        "VERIFIED_ATTRIBUTE_TYPE_PHONE_NUMBER",
    ]
    assert len(pool.etag) == 20


async def test_an_unknown_pool_is_not_found(stub: Any) -> None:
    error = await refused(stub.GetUserPool(PB.GetUserPoolRequest(id=f"{REGION}_nope404")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    bad = await refused(stub.GetUserPool(PB.GetUserPoolRequest(id="not a pool id")))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(bad)["violations"][0][0] == "id"


async def test_list_pages_with_tokens_and_the_basic_view_describes_nothing(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    for _ in range(3):
        await new_full_pool()
    first = await stub.ListUserPools(PB.ListUserPoolsRequest(page_size=2))
    assert len(first.user_pools) == 2 and first.next_page_token
    second = await stub.ListUserPools(
        PB.ListUserPoolsRequest(page_size=2, page_token=first.next_page_token)
    )
    assert {p.id for p in first.user_pools}.isdisjoint({p.id for p in second.user_pools})
    assert proxy.count("DescribeUserPool") == 0
    assert not first.user_pools[0].HasField("policies")  # a summary
    full = await stub.ListUserPools(
        PB.ListUserPoolsRequest(page_size=2, view=PB.USER_POOL_VIEW_FULL)
    )
    assert all(p.HasField("policies") and p.etag for p in full.user_pools)


async def test_a_one_path_update_changes_that_setting_and_nothing_else(
    stub: Any, new_full_pool: PoolFactory, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    before = await describe(pool_id)
    answer = await stub.UpdateUserPool(
        update(
            pool_id,
            ["policies.password_policy.minimum_length"],
            policies=PB.UserPoolPolicy(password_policy=PB.PasswordPolicy(minimum_length=14)),
        )
    )
    assert [(c.path, c.before.number_value, c.after.number_value) for c in answer.changes] == [
        ("policies.password_policy.minimum_length", 12, 14)
    ]
    after = await describe(pool_id)
    assert after["Policies"]["PasswordPolicy"] == {
        **before["Policies"]["PasswordPolicy"],
        "MinimumLength": 14,
    }
    assert changed_leaves(before, after) == {"Policies"}
    assert after["LambdaConfig"] == before["LambdaConfig"]


async def test_a_masked_unset_field_clears_and_map_keys_set_and_delete(
    stub: Any, new_full_pool: PoolFactory, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    before = await describe(pool_id)
    answer = await stub.UpdateUserPool(
        update(
            pool_id,
            ["lambda_config.pre_sign_up", "user_pool_tags.owner", "user_pool_tags.`cost-center`"],
            user_pool_tags={"owner": "alice"},
        )
    )
    assert sorted(c.path for c in answer.changes) == [
        "lambda_config.pre_sign_up",
        "user_pool_tags.`cost-center`",
        "user_pool_tags.owner",
    ]
    after = await describe(pool_id)
    assert "PreSignUp" not in after["LambdaConfig"]
    assert after["LambdaConfig"]["PostConfirmation"] == before["LambdaConfig"]["PostConfirmation"]
    assert after["UserPoolTags"]["owner"] == "alice"
    assert "cost-center" not in after["UserPoolTags"]
    assert after["UserPoolTags"]["team"] == before["UserPoolTags"]["team"]
    assert changed_leaves(before, after) == {"LambdaConfig", "UserPoolTags"}


async def test_a_stale_etag_fails_the_precondition_and_writes_nothing(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    pool_id = await new_full_pool()
    error = await refused(
        stub.UpdateUserPool(
            update(pool_id, ["deletion_protection"], etag="0" * 20, deletion_protection=2)
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(error)["violations"][0][0] == "etag"
    assert proxy.count("UpdateUserPool") == 0


async def test_validate_only_answers_the_would_be_pool_and_writes_nothing(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    current = await stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id))
    request = update(
        pool_id, ["user_pool_tags.env"], etag=current.etag, user_pool_tags={"env": "x"}
    )
    request.validate_only = True
    answer = await stub.UpdateUserPool(request)
    assert [(c.path, c.after.string_value) for c in answer.changes] == [("user_pool_tags.env", "x")]
    assert answer.user_pool.user_pool_tags["env"] == "x"
    assert proxy.count("UpdateUserPool") == 0
    assert (await describe(pool_id))["UserPoolTags"]["env"] == "demo"


@pytest.mark.parametrize(
    ("paths", "field", "says"),
    [
        ([], "update_mask", "required"),
        (["deletion_protection", "no_such_field"], "update_mask.paths[1]", "no_such_field"),
        (["arn"], "update_mask.paths[0]", "read-only"),
        (["policies.password_policy.nope"], "update_mask.paths[0]", "nope"),
        # A value no path names (deletion_protection here) is refused, never dropped.
        (["user_pool_tags"], "update_mask", "user_pool.deletion_protection is set"),
    ],
)
async def test_bad_masks_are_invalid_arguments_naming_the_path(
    stub: Any, new_full_pool: PoolFactory, paths: list[str], field: str, says: str
) -> None:
    pool_id = await new_full_pool()
    error = await refused(
        stub.UpdateUserPool(
            update(pool_id, paths, deletion_protection=2, user_pool_tags={"a": "b"})
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(violated, description)] = details(error)["violations"]
    assert violated == field and says in description


async def test_a_value_the_model_refuses_names_the_mask_path_and_the_rule(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    error = await refused(
        stub.UpdateUserPool(
            update(
                pool_id,
                ["policies.password_policy.minimum_length"],
                policies=PB.UserPoolPolicy(password_policy=PB.PasswordPolicy(minimum_length=2)),
            )
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = details(error)
    assert found["reason"] == "BAD_USER_INPUT"
    [(field, description)] = found["violations"]
    assert field == "update_mask.paths[0]"
    assert description.startswith("policies.password_policy.minimum_length: must be at least")
    assert "Traceback" not in (error.details() or "")


async def test_concurrent_modification_is_retried(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy, describe: Callable[[str], Any]
) -> None:
    pool_id = await new_full_pool()
    proxy.fail("UpdateUserPool", "ConcurrentModificationException", times=2)
    await stub.UpdateUserPool(
        update(pool_id, ["user_pool_tags.retried"], user_pool_tags={"retried": "y"})
    )
    assert proxy.count("UpdateUserPool") == 3
    assert (await describe(pool_id))["UserPoolTags"]["retried"] == "y"


async def test_create_takes_the_generated_create_request(
    stub: Any, describe: Callable[[str], Any]
) -> None:
    created = await stub.CreateUserPool(
        PB.CreateUserPoolRequest(
            pool_name="grpc-created",
            policies=PB.UserPoolPolicy(password_policy=PB.PasswordPolicy(minimum_length=10)),
            user_pool_tags={"made-by": "grpc"},
        )
    )
    truth = await describe(created.id)
    assert truth["Name"] == "grpc-created"
    assert truth["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert truth["UserPoolTags"] == {"made-by": "grpc"}


async def test_graphql_and_grpc_send_the_same_update_user_pool_request(
    stub: Any,
    grpc_server: tuple[GatewayServer, int],
    http: Any,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    """One planner under both surfaces: the same change, the same request to Cognito."""
    sent = []
    for surface in ("graphql", "grpc"):
        pool_id = await new_full_pool()
        proxy.reset()
        if surface == "graphql":
            answer = await GraphQLClient(http, grpc_server[0].url).execute(
                """mutation($id: ID!) { updateUserPool(id: $id, patch: {
                     policies: { passwordPolicy: { minimumLength: 16 } }
                     lambdaConfig: { preSignUp: null }
                     userPoolTags: [{ key: "env", value: null }, { key: "owner", value: "bob" }]
                   }) { dryRun } }""",
                {"id": pool_id},
            )
            assert "errors" not in answer, answer
        else:
            await stub.UpdateUserPool(
                update(
                    pool_id,
                    [
                        "policies.password_policy.minimum_length",
                        "lambda_config.pre_sign_up",
                        "user_pool_tags.env",
                        "user_pool_tags.owner",
                    ],
                    policies=PB.UserPoolPolicy(
                        password_policy=PB.PasswordPolicy(minimum_length=16)
                    ),
                    user_pool_tags={"owner": "bob"},
                )
            )
        [request] = proxy.requests("UpdateUserPool")
        request.pop("UserPoolId")
        request.pop("PoolName")
        sent.append(request)
    assert sent[0] == sent[1]


async def test_deadlines_are_honoured(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    pool_id = await new_full_pool()
    proxy.delay("DescribeUserPool", 2.0)
    error = await refused(stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id), timeout=0.3))
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_a_mask_naming_a_whole_map_replaces_it_with_the_request_s_entries(
    stub: Any, new_full_pool: PoolFactory, describe: Callable[[str], Any]
) -> None:
    """The only way JSON clients can name keys such as ``CostCenter`` or ``cost-center``
    (a JSON FieldMask path is camelCase and cannot quote a key)."""
    pool_id = await new_full_pool()
    tags = {"Name": "acme", "CostCenter": "cc-7", "cost-center": "cc-8", "team": "identity"}
    answer = await stub.UpdateUserPool(update(pool_id, ["user_pool_tags"], user_pool_tags=tags))
    assert dict(answer.user_pool.user_pool_tags) == tags
    pool_tags = (await describe(pool_id))["UserPoolTags"]
    assert pool_tags == tags  # "env" is gone, "team" kept its value, three keys are new
    changed = sorted(c.path for c in answer.changes)
    assert "user_pool_tags.env" in changed and "user_pool_tags.team" not in changed


async def test_a_value_no_mask_path_names_is_refused_not_dropped(
    stub: Any, new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    """What a JSON client sends for ``userPoolTags.costCenter``: the mask arrives as
    ``user_pool_tags.cost_center`` while the map holds ``CostCenter``. This answered OK
    with no change; it is INVALID_ARGUMENT naming the value and nothing is written."""
    pool_id = await new_full_pool()
    request = update(pool_id, ["user_pool_tags.cost_center"], user_pool_tags={"CostCenter": "x"})
    error = await refused(stub.UpdateUserPool(request))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(violated, description)] = details(error)["violations"]
    assert violated == "update_mask" and "user_pool.user_pool_tags.CostCenter" in description
    assert proxy.count("UpdateUserPool") == 0


async def test_validate_only_answers_the_pool_the_real_call_answers(
    stub: Any, new_full_pool: PoolFactory
) -> None:
    """AIP-163: the dry run's pool is the real answer's, field by field (the legacy
    message fields mirror the template, as the service reports them)."""
    pool_id = await new_full_pool()
    request = update(
        pool_id,
        ["verification_message_template.sms_message", "user_pool_tags.env"],
        verification_message_template=PB.VerificationMessageTemplate(sms_message="Hi {####}"),
        user_pool_tags={"env": "x"},
    )
    request.validate_only = True
    dry = await stub.UpdateUserPool(request)
    request.validate_only = False
    real = await stub.UpdateUserPool(request)
    for answer in (dry, real):
        answer.user_pool.ClearField("last_modified_date")
    assert dry.user_pool.sms_verification_message == "Hi {####}"
    assert json_format.MessageToDict(dry.user_pool) == json_format.MessageToDict(real.user_pool)
