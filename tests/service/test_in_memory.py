"""PoolService over the in-memory Cognito (``tests/support/memory_cognito.py``): the
service's promises in milliseconds, no emulator, no socket. The strict stand-in behind
it resets what UpdateUserPool is not sent, so a patch that kept the rest of a pool here
kept it because the gateway sent it, not because the emulator merged it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gateway.demo.seed import FULL_POOL
from gateway.errors import ErrorCode, GatewayError
from gateway.runtime import Runtime
from gateway.service.access import Principal, normalize_scopes
from gateway.service.pools import PoolService
from gateway.service.requests import WriteRequest
from tests.support.memory_cognito import InMemoryCognito

REGION = "eu-west-1"
WRITER = Principal("writer", "api-key", normalize_scopes(["pools:write"]))
VOLATILE = ("LastModifiedDate",)


@pytest.fixture
def cognito(memory_cognito: InMemoryCognito) -> InMemoryCognito:
    return memory_cognito


@pytest.fixture
def service(memory_runtime: Runtime) -> PoolService:
    return memory_runtime.service


def without(document: dict[str, Any], *paths: tuple[str, ...]) -> dict[str, Any]:
    trimmed = copy.deepcopy(document)
    for path in [*paths, *((member,) for member in VOLATILE)]:
        parent = trimmed
        for key in path[:-1]:
            parent = parent.get(key, {})
        parent.pop(path[-1], None)
    return trimmed


async def test_a_patch_changes_its_member_and_keeps_every_other(
    service: PoolService, cognito: InMemoryCognito
) -> None:
    pool_id = cognito.create(REGION, FULL_POOL)
    before = cognito.strict.pool(pool_id)
    patch = {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}}
    result = await service.update(WriteRequest(WRITER), pool_id, patch)
    after = cognito.strict.pool(pool_id)
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    path = ("Policies", "PasswordPolicy", "MinimumLength")
    assert without(after, path) == without(before, path)
    assert [change.path for change in result.changes] == [path]
    assert cognito.calls.count("UpdateUserPool") == 1


async def test_a_naive_partial_update_would_have_reset_the_rest(cognito: InMemoryCognito) -> None:
    """The trap the gateway exists for, shown on the stand-in the tests above rely on."""
    pool_id = cognito.create(REGION, FULL_POOL)
    pool = cognito.strict.pool(pool_id)
    assert pool.get("LambdaConfig")
    verified = pool["AutoVerifiedAttributes"]  # the update settings need them sent
    await cognito.call(
        REGION, "UpdateUserPool", UserPoolId=pool_id, AutoVerifiedAttributes=verified
    )
    assert not cognito.strict.pool(pool_id).get("LambdaConfig")


async def test_a_dry_run_and_a_stale_version_write_nothing(
    service: PoolService, cognito: InMemoryCognito
) -> None:
    pool_id = cognito.create(REGION, FULL_POOL)
    before = cognito.strict.pool(pool_id)
    patch = {"UserPoolTags": {"cost-center": "4711"}}
    planned = await service.update(WriteRequest(WRITER, dry_run=True), pool_id, patch)
    assert planned.dry_run and planned.changes
    with pytest.raises(GatewayError) as stale:
        await service.update(WriteRequest(WRITER, if_version="0" * 24), pool_id, patch)
    assert stale.value.code == ErrorCode.PRECONDITION_FAILED
    assert cognito.strict.pool(pool_id) == before
    assert "UpdateUserPool" not in cognito.calls


async def test_what_cognito_refuses_is_an_input_error_and_changes_nothing(
    service: PoolService, cognito: InMemoryCognito
) -> None:
    pool_id = cognito.create(REGION, {"PoolName": "lite", "UserPoolTier": "LITE"})
    before = cognito.strict.pool(pool_id)
    patch = {"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}  # PLUS only
    with pytest.raises(GatewayError) as refused:
        await service.update(WriteRequest(WRITER), pool_id, patch)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT
    assert cognito.strict.pool(pool_id) == before
