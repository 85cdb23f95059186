"""updateUserPool and createUserPool over HTTP: gateway -> fault proxy -> moto server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.documents import differences
from tests.support.fault_proxy import FaultProxy

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"
UPDATE = """mutation($id: ID!, $patch: UserPoolPatch!, $ifVersion: String, $dryRun: Boolean) {
  updateUserPool(id: $id, patch: $patch, ifVersion: $ifVersion, dryRun: $dryRun) {
    dryRun
    changes { path before after }
    pool { id version deletionProtection userPoolTags { key value }
           policies { passwordPolicy { minimumLength } } }
  }
}"""
MAX_ATTEMPTS = 3

# (patch, top-level members of DescribeUserPool allowed to differ afterwards)
ONE_FIELD_PATCHES: list[tuple[dict[str, Any], set[str]]] = [
    ({"policies": {"passwordPolicy": {"minimumLength": 16}}}, {"Policies"}),
    ({"lambdaConfig": {"postConfirmation": ARN + "new-post-confirmation"}}, {"LambdaConfig"}),
    ({"userPoolTags": [{"key": "owner", "value": "alice"}]}, {"UserPoolTags"}),
    ({"userPoolTags": [{"key": "env", "value": None}]}, {"UserPoolTags"}),
    ({"deletionProtection": "INACTIVE"}, {"DeletionProtection"}),
    ({"userPoolAddOns": {"advancedSecurityMode": "OFF"}}, {"UserPoolAddOns"}),
    ({"userPoolTier": "ESSENTIALS"}, {"UserPoolTier"}),
    (
        {"accountRecoverySetting": {"recoveryMechanisms": [{"priority": 1, "name": "admin_only"}]}},
        {"AccountRecoverySetting"},
    ),
    # Cognito mirrors the template into the legacy top-level field; so does the emulator.
    (
        {"verificationMessageTemplate": {"emailSubject": "Please verify"}},
        {"VerificationMessageTemplate", "EmailVerificationSubject"},
    ),
]


def to_botocore(value: Any, shape: Shape) -> Any:
    """A GraphQL patch value as a naive UpdateUserPool call would send it."""
    if isinstance(shape, MapShape):
        return {e["key"]: e["value"] for e in value if e["value"] is not None}
    if isinstance(shape, StructureShape):
        names = {model.graphql_name(n): n for n in shape.members}
        return {names[k]: to_botocore(v, shape.members[names[k]]) for k, v in value.items()}
    if isinstance(value, list):
        return [to_botocore(v, shape.member) for v in value]
    return value


@pytest.fixture(scope="module")
def writer(start_gateway: Callable[..., GatewayServer], http: Any) -> GraphQLClient:
    server = start_gateway(
        update_backoff_base_seconds=0.01,
        update_backoff_max_seconds=0.05,
        update_max_attempts=MAX_ATTEMPTS,
    )
    return GraphQLClient(http, server.url)


@pytest.fixture
async def full_pool(new_full_pool: PoolFactory) -> str:
    return await new_full_pool()


def changed_members(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {re.split(r"[.\[:]", path)[0] for path in differences(before, after)}


async def test_one_field_at_a_time_changes_only_that_field(
    writer: GraphQLClient, full_pool: str, describe: Callable[[str], Any]
) -> None:
    for patch, allowed in ONE_FIELD_PATCHES:
        before = await describe(full_pool)
        answer = await writer.execute(UPDATE, {"id": full_pool, "patch": patch})
        assert "errors" not in answer, (patch, answer)
        assert answer["data"]["updateUserPool"]["changes"], patch
        after = await describe(full_pool)
        assert changed_members(before, after) == allowed, patch


async def test_the_same_changes_through_naive_update_user_pool_reset_settings(
    cognito: CognitoClients, full_pool: str, describe: Callable[[str], Any]
) -> None:
    """Negative control: the comparison above does catch resets."""
    resets = set()
    for patch, allowed in ONE_FIELD_PATCHES[:5]:
        before = await describe(full_pool)
        await cognito.call(
            REGION,
            "UpdateUserPool",
            UserPoolId=full_pool,
            **to_botocore(patch, model.input_shape("UpdateUserPool")),
        )
        after = await describe(full_pool)
        resets |= changed_members(before, after) - allowed
    assert {
        "LambdaConfig",
        "DeletionProtection",
        "UserPoolTags",
        "DeviceConfiguration",
        "UserPoolTier",
        "Policies",
    } <= resets


async def test_if_version_makes_the_update_conditional(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy, describe: Callable[[str], Any]
) -> None:
    read = await writer.execute(
        "query($id: ID!) { userPool(id: $id) { version } }", {"id": full_pool}
    )
    version = read["data"]["userPool"]["version"]
    first = await writer.execute(
        UPDATE, {"id": full_pool, "ifVersion": version, "patch": {"deletionProtection": "INACTIVE"}}
    )
    assert "errors" not in first
    assert first["data"]["updateUserPool"]["pool"]["version"] != version
    proxy.reset()
    stale = await writer.execute(
        UPDATE, {"id": full_pool, "ifVersion": version, "patch": {"deletionProtection": "ACTIVE"}}
    )
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    assert proxy.count("UpdateUserPool") == 0
    assert (await describe(full_pool))["DeletionProtection"] == "INACTIVE"


async def test_dry_run_returns_the_would_be_pool_and_writes_nothing(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy, describe: Callable[[str], Any]
) -> None:
    before = await describe(full_pool)
    answer = await writer.execute(
        UPDATE,
        {
            "id": full_pool,
            "dryRun": True,
            "patch": {"policies": {"passwordPolicy": {"minimumLength": 20}}},
        },
    )
    payload = answer["data"]["updateUserPool"]
    assert payload["dryRun"] is True
    assert payload["changes"] == [
        {"path": "policies.passwordPolicy.minimumLength", "before": 12, "after": 20}
    ]
    assert payload["pool"]["policies"]["passwordPolicy"]["minimumLength"] == 20
    assert proxy.count("UpdateUserPool") == 0
    assert differences(before, await describe(full_pool)) == []


@pytest.mark.parametrize(
    "patch",
    [
        {},
        {"deletionProtection": "ACTIVE"},
        {"userPoolTags": [{"key": "team", "value": "identity"}]},
    ],
)
async def test_empty_or_noop_patch_writes_nothing(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy, patch: dict[str, Any]
) -> None:
    answer = await writer.execute(UPDATE, {"id": full_pool, "patch": patch})
    assert answer["data"]["updateUserPool"]["changes"] == []
    assert proxy.count("UpdateUserPool") == 0


async def test_invalid_patch_is_rejected_before_any_write(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy
) -> None:
    answer = await writer.execute(
        UPDATE, {"id": full_pool, "patch": {"policies": {"passwordPolicy": {"minimumLength": 200}}}}
    )
    error = answer["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "rule": "max",
        "field": "patch.policies.passwordPolicy.minimumLength",
    }
    assert "99" in error["message"]
    assert proxy.count("UpdateUserPool") == 0


async def test_three_conflicts_then_success_applies_once(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy, describe: Callable[[str], Any]
) -> None:
    proxy.fail("UpdateUserPool", "ConcurrentModificationException", times=2)
    answer = await writer.execute(
        UPDATE, {"id": full_pool, "patch": {"userPoolTags": [{"key": "retried", "value": "yes"}]}}
    )
    assert "errors" not in answer, answer
    assert proxy.count("UpdateUserPool") == 3
    assert proxy.count("DescribeUserPool") == 3 + 1  # a fresh read per attempt, one after
    tags = (await describe(full_pool))["UserPoolTags"]
    assert tags["retried"] == "yes" and tags["team"] == "identity"


async def test_three_conflicts_then_success_with_more_attempts(
    start_gateway: Callable[..., GatewayServer],
    http: Any,
    full_pool: str,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    server = start_gateway(update_backoff_base_seconds=0.01, update_max_attempts=5)
    client = GraphQLClient(http, server.url)
    proxy.fail("UpdateUserPool", "ConcurrentModificationException", times=3)
    answer = await client.execute(
        UPDATE, {"id": full_pool, "patch": {"policies": {"passwordPolicy": {"minimumLength": 13}}}}
    )
    assert "errors" not in answer, answer
    assert proxy.count("UpdateUserPool") == 4
    assert (await describe(full_pool))["Policies"]["PasswordPolicy"]["MinimumLength"] == 13


@pytest.mark.parametrize(
    ("fault", "code"),
    [("ConcurrentModificationException", "CONFLICT"), ("TooManyRequestsException", "THROTTLED")],
)
async def test_retries_run_out_with_conflict_or_throttled_and_nothing_changed(
    writer: GraphQLClient,
    full_pool: str,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
    fault: str,
    code: str,
) -> None:
    before = await describe(full_pool)
    proxy.fail("UpdateUserPool", fault)
    answer = await writer.execute(
        UPDATE, {"id": full_pool, "patch": {"deletionProtection": "INACTIVE"}}
    )
    error = answer["errors"][0]
    assert error["extensions"]["code"] == code
    assert f"{MAX_ATTEMPTS} attempts" in error["message"]
    transport_attempts = 2 if fault == "TooManyRequestsException" else 1
    assert proxy.count("UpdateUserPool") == MAX_ATTEMPTS * transport_attempts
    assert differences(before, await describe(full_pool)) == []


async def test_twenty_concurrent_patches_of_distinct_settings_all_land(
    writer: GraphQLClient, full_pool: str, describe: Callable[[str], Any]
) -> None:
    patches: list[dict[str, Any]] = [
        {"userPoolTags": [{"key": f"k{i}", "value": f"v{i}"}]} for i in range(15)
    ]
    patches += [
        {"policies": {"passwordPolicy": {"minimumLength": 18}}},
        {"deletionProtection": "INACTIVE"},
        {"deviceConfiguration": {"challengeRequiredOnNewDevice": False}},
        {"verificationMessageTemplate": {"smsMessage": "Code: {####}"}},
        {"lambdaConfig": {"preAuthentication": ARN + "concurrent"}},
    ]
    answers = await asyncio.gather(
        *(writer.execute(UPDATE, {"id": full_pool, "patch": p}) for p in patches)
    )
    assert all("errors" not in a for a in answers), answers
    pool = await describe(full_pool)
    assert all(pool["UserPoolTags"][f"k{i}"] == f"v{i}" for i in range(15))
    assert pool["UserPoolTags"]["team"] == "identity"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 18
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"] is False
    assert pool["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"] is True
    assert pool["VerificationMessageTemplate"]["SmsMessage"] == "Code: {####}"
    assert pool["LambdaConfig"]["PreAuthentication"] == ARN + "concurrent"
    assert pool["LambdaConfig"]["PreSignUp"] == FULL_POOL["LambdaConfig"]["PreSignUp"]


async def test_mfa_is_changed_through_set_user_pool_mfa_config(
    writer: GraphQLClient,
    full_pool: str,
    cognito: CognitoClients,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    await cognito.call(
        REGION,
        "SetUserPoolMfaConfig",
        UserPoolId=full_pool,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    # MFA ON needs the email-code first factor gone: the pool changes first, then MFA, so
    # that the state between the two calls is one Cognito accepts.
    patch = {
        "mfaConfiguration": "ON",
        "policies": {"signInPolicy": {"allowedFirstAuthFactors": ["PASSWORD"]}},
    }
    answer = await writer.execute(UPDATE, {"id": full_pool, "patch": patch})
    assert "errors" not in answer, answer
    assert proxy.count("SetUserPoolMfaConfig") == 1
    writes = [op for op in proxy.sequence() if op in ("UpdateUserPool", "SetUserPoolMfaConfig")]
    assert writes == ["UpdateUserPool", "SetUserPoolMfaConfig"]
    assert proxy.requests("UpdateUserPool")[0]["MfaConfiguration"] == "OPTIONAL"
    assert (await describe(full_pool))["MfaConfiguration"] == "ON"
    mfa = await cognito.call(REGION, "GetUserPoolMfaConfig", UserPoolId=full_pool)
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert (await describe(full_pool))["DeletionProtection"] == "ACTIVE"


async def test_mfa_on_without_a_factor_is_refused(
    writer: GraphQLClient, full_pool: str, proxy: FaultProxy
) -> None:
    answer = await writer.execute(UPDATE, {"id": full_pool, "patch": {"mfaConfiguration": "ON"}})
    assert answer["errors"][0]["extensions"]["rule"] == "requires-mfa-factor"
    assert proxy.count("SetUserPoolMfaConfig") == 0 and proxy.count("UpdateUserPool") == 0


CREATE = """mutation($input: CreateUserPoolInput!) {
  createUserPool(input: $input) { id name version deletionProtection userPoolTier
    policies { passwordPolicy { minimumLength } } userPoolTags { key value } }
}"""


async def test_create_user_pool_with_a_full_input(
    writer: GraphQLClient, describe: Callable[[str], Any]
) -> None:
    answer = await writer.execute(
        CREATE,
        {
            "input": {
                "poolName": "created-by-gateway",
                "deletionProtection": "ACTIVE",
                "userPoolTier": "ESSENTIALS",
                "policies": {"passwordPolicy": {"minimumLength": 10, "requireSymbols": True}},
                "userPoolTags": [{"key": "team", "value": "platform"}],
                "lambdaConfig": {
                    "preTokenGenerationConfig": {
                        "lambdaVersion": "V2_0",
                        "lambdaArn": ARN + "pre-token",
                    }
                },
            }
        },
    )
    assert "errors" not in answer, answer
    pool = answer["data"]["createUserPool"]
    assert pool["name"] == "created-by-gateway"
    truth = await describe(pool["id"])
    assert truth["DeletionProtection"] == "ACTIVE"
    assert truth["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaArn"] == ARN + "pre-token"
    assert truth["UserPoolTags"] == {"team": "platform"}


async def test_invalid_create_is_rejected_before_any_call(
    writer: GraphQLClient, proxy: FaultProxy
) -> None:
    answer = await writer.execute(
        CREATE,
        {"input": {"poolName": "bad", "userPoolTags": [{"key": "aws:reserved", "value": "x"}]}},
    )
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert answer["errors"][0]["extensions"]["field"] == "input.userPoolTags[aws:reserved]"
    missing = await writer.execute(CREATE, {"input": {"deletionProtection": "ACTIVE"}})
    assert missing["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "poolName" in missing["errors"][0]["message"]
    assert proxy.count("CreateUserPool") == 0
