"""Both surfaces over real sockets against the strict stand-in: 2024-2026 pools behave
as on the live service (clears that clear, MFA setups kept whole, refusals before any
call, outside-resource errors named, warnings where sign-in would fail)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2

from tests.api.grpc.conftest import PB, SERVICES, details
from tests.conftest import GatewayServer, GraphQLClient
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port
from tests.support.pools_2026 import named
from tests.support.strict_cognito import StrictCognito

UPDATE = """mutation($id: ID!, $patch: UserPoolPatch!, $dryRun: Boolean) {
  updateUserPool(id: $id, patch: $patch, dryRun: $dryRun) {
    changes { path before after }
    warnings { path message }
    pool { version mfaConfiguration
           webAuthnConfiguration { relyingPartyId userVerification factorConfiguration }
           softwareTokenMfaConfiguration { enabled } }
  }
}"""
WRITES = ("UpdateUserPool", "SetUserPoolMfaConfig")


@pytest.fixture
def strict(proxy: FaultProxy) -> Iterator[StrictCognito]:
    stand_in = StrictCognito()
    proxy.stand_in(stand_in)
    yield stand_in


@pytest.fixture(scope="module")
def server(start_gateway: Any) -> tuple[GatewayServer, int]:
    """Uncached, so every read reaches the stand-in; gRPC on a port of its own."""
    port = free_port()
    return start_gateway(cache_ttl_seconds=0, grpc=True, grpc_port=port), port


@pytest.fixture
def client(http: Any, server: tuple[GatewayServer, int]) -> GraphQLClient:
    return GraphQLClient(http, server[0].url)


@pytest.fixture
async def stub(server: tuple[GatewayServer, int]) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server[1]}") as channel:
        yield SERVICES.UserPoolServiceStub(channel)


def hold(strict: StrictCognito, fixture: str, role: str | None = None) -> str:
    """A fresh copy of a 2024-2026 fixture pool in the stand-in, under a new id; with
    ``role``, a multi-Region pool playing that role in the Region of its id."""
    pool, mfa = copy.deepcopy(named(fixture))
    region = str(pool["Id"]).partition("_")[0]
    pool["Id"] = f"{region}_{uuid.uuid4().hex[:10]}"
    replicas = [{"RegionName": region, "Role": role, "Status": "ACTIVE"}] if role else None
    return strict.add(pool, mfa, replicas)


def writes(proxy: FaultProxy) -> int:
    return sum(proxy.count(operation) for operation in WRITES)


async def update(client: GraphQLClient, pool_id: str, patch: dict[str, Any], **more: Any) -> Any:
    answer = await client.execute(UPDATE, {"id": pool_id, "patch": patch, **more})
    return answer


async def test_clears_of_kept_members_really_clear(
    client: GraphQLClient, strict: StrictCognito
) -> None:
    pool_id = hold(strict, "essentials-passwordless-2025")
    patch = {"userAttributeUpdateSettings": None, "policies": {"signInPolicy": None}}
    answer = await update(client, pool_id, patch)
    assert "errors" not in answer, answer
    pool = strict.pool(pool_id)
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": []}
    assert pool["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert answer["data"]["updateUserPool"]["changes"] == [
        {
            "path": "policies.signInPolicy.allowedFirstAuthFactors",
            "before": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"],
            "after": ["PASSWORD"],
        },
        {
            "path": "userAttributeUpdateSettings.attributesRequireVerificationBeforeUpdate",
            "before": ["email"],
            "after": [],
        },
    ]


async def test_a_clear_cognito_cannot_make_is_refused_and_sends_nothing(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id = hold(strict, "plus-eums-sms-2026")
    answer = await update(client, pool_id, {"smsConfiguration": None})
    error = answer["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "patch.smsConfiguration",
        "rule": "cannot-clear",
    }
    assert writes(proxy) == 0


async def test_mfa_off_keeps_the_passkey_settings(
    client: GraphQLClient, strict: StrictCognito
) -> None:
    pool_id = hold(strict, "api-reference-update-sample")
    passkeys = strict.mfa(pool_id)["WebAuthnConfiguration"]
    answer = await update(client, pool_id, {"mfaConfiguration": "OFF"})
    assert "errors" not in answer, answer
    assert strict.mfa(pool_id) == {"MfaConfiguration": "OFF", "WebAuthnConfiguration": passkeys}
    payload = answer["data"]["updateUserPool"]
    assert {c["path"] for c in payload["changes"]} == {
        "mfaConfiguration",
        "softwareTokenMfaConfiguration.enabled",
    }
    assert payload["pool"]["webAuthnConfiguration"]["relyingPartyId"] == "auth.example.com"
    assert payload["pool"]["softwareTokenMfaConfiguration"] is None


@pytest.mark.parametrize(
    ("fixture", "patch", "field", "rule"),
    [
        (
            "essentials-passwordless-2025",
            {"autoVerifiedAttributes": []},
            "patch.autoVerifiedAttributes",
            "verification-requires-auto-verified",
        ),
        (
            "essentials-passwordless-2025",
            {"mfaConfiguration": "ON"},
            "patch.mfaConfiguration",
            "first-factors-with-mfa-on",
        ),
        (
            "lite-threat-protection-2023",
            {"mfaConfiguration": "OPTIONAL", "emailMfaConfiguration": {"message": "Code {####}"}},
            "patch.emailMfaConfiguration",
            "email-mfa-requires-developer",
        ),
    ],
)
async def test_requests_cognito_refuses_are_refused_before_any_call(
    client: GraphQLClient,
    strict: StrictCognito,
    proxy: FaultProxy,
    fixture: str,
    patch: dict[str, Any],
    field: str,
    rule: str,
) -> None:
    pool_id = hold(strict, fixture)
    before = (strict.pool(pool_id), strict.mfa(pool_id))
    answer = await update(client, pool_id, patch)
    assert answer["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": field,
        "rule": rule,
    }
    assert writes(proxy) == 0
    assert (strict.pool(pool_id), strict.mfa(pool_id)) == before


async def test_a_lite_pool_with_threat_protection_from_before_the_tiers_may_enforce_it(
    client: GraphQLClient, strict: StrictCognito
) -> None:
    pool_id = hold(strict, "lite-threat-protection-2023")
    answer = await update(client, pool_id, {"userPoolAddOns": {"advancedSecurityMode": "ENFORCED"}})
    assert "errors" not in answer, answer
    assert strict.pool(pool_id)["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"


async def test_passkey_sign_in_without_a_relying_party_or_domain_is_a_warning(
    client: GraphQLClient, strict: StrictCognito, stub: Any
) -> None:
    pool_id = hold(strict, "lite-threat-protection-2023")
    # LITE: passwordless sign-in needs ESSENTIALS, which refuses threat protection.
    patch = {
        "userPoolTier": "ESSENTIALS",
        "userPoolAddOns": {"advancedSecurityMode": "OFF"},
        "policies": {"signInPolicy": {"allowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
    }
    answer = await update(client, pool_id, patch, dryRun=True)
    assert "errors" not in answer, answer
    warnings = answer["data"]["updateUserPool"]["warnings"]
    assert [w["path"] for w in warnings] == ["webAuthnConfiguration.relyingPartyId"]
    assert "passkey" in warnings[0]["message"]
    applied = await update(client, pool_id, patch)  # accepted: a warning, not a refusal
    assert applied["data"]["updateUserPool"]["warnings"] == warnings
    required = PB.UserVerificationType.Value("USER_VERIFICATION_TYPE_REQUIRED")
    response = await stub.UpdateUserPool(
        PB.UpdateUserPoolRequest(
            user_pool=PB.UserPool(
                id=pool_id,
                web_authn_configuration=PB.WebAuthnConfiguration(user_verification=required),
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["web_authn_configuration"]),
            validate_only=True,
        )
    )
    assert [w.path for w in response.warnings] == ["web_authn_configuration.relying_party_id"]


@pytest.mark.parametrize(
    ("code", "message", "field"),
    [
        (
            "InvalidSmsRoleTrustRelationshipException",
            "Role does not have a trust relationship allowing Cognito to assume the role",
            "patch.smsConfiguration",
        ),
        (
            "InvalidParameterException",
            "Email address is not verified. The following identities failed the check",
            "patch.emailConfiguration.sourceArn",
        ),
    ],
)
async def test_a_broken_outside_resource_is_named_not_an_upstream_error(
    client: GraphQLClient,
    strict: StrictCognito,
    proxy: FaultProxy,
    stub: Any,
    code: str,
    message: str,
    field: str,
) -> None:
    pool_id = hold(strict, "api-reference-update-sample")
    proxy.fail("UpdateUserPool", code, message=message)
    answer = await update(client, pool_id, {"userPoolTags": [{"key": "k", "value": "v"}]})
    extensions = answer["errors"][0]["extensions"]
    assert (extensions["code"], extensions["field"]) == ("DEPENDENCY_FAILED", field)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.UpdateUserPool(
            PB.UpdateUserPoolRequest(
                user_pool=PB.UserPool(id=pool_id, user_pool_tags={"k": "v"}),
                update_mask=field_mask_pb2.FieldMask(paths=["user_pool_tags.k"]),
            )
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(error.value)["reason"] == "DEPENDENCY_FAILED"


async def test_a_user_import_in_progress_is_retried_like_a_conflict(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id = hold(strict, "plus-eums-sms-2026")
    proxy.fail("UpdateUserPool", "UserImportInProgressException", times=1)
    answer = await update(client, pool_id, {"userPoolTags": [{"key": "k", "value": "v"}]})
    assert "errors" not in answer, answer
    assert proxy.count("UpdateUserPool") == 2
    assert strict.pool(pool_id)["UserPoolTags"]["k"] == "v"


@pytest.mark.parametrize(
    "patch",
    [
        {"policies": {"passwordPolicy": {"minimumLength": 20}}},
        {"issuerConfiguration": {"type": "ORIGINAL"}},
    ],
)
async def test_a_secondary_region_replica_takes_only_its_own_settings(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy, patch: dict[str, Any]
) -> None:
    pool_id = hold(strict, "plus-eums-sms-2026", role="SECONDARY")
    answer = await update(client, pool_id, patch)
    extensions = answer["errors"][0]["extensions"]
    assert (extensions["code"], extensions["rule"]) == ("BAD_USER_INPUT", "secondary-replica")
    assert extensions["field"] == "patch." + next(iter(patch))
    assert writes(proxy) == 0
    tags = await update(client, pool_id, {"userPoolTags": [{"key": "k", "value": "v"}]})
    assert "errors" not in tags, tags
    assert strict.pool(pool_id)["UserPoolTags"]["k"] == "v"


async def test_the_primary_region_takes_every_setting(
    client: GraphQLClient, strict: StrictCognito
) -> None:
    pool_id = hold(strict, "plus-eums-sms-2026", role="PRIMARY")
    answer = await update(client, pool_id, {"policies": {"passwordPolicy": {"minimumLength": 20}}})
    assert "errors" not in answer, answer
    assert strict.pool(pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"] == 20


async def test_the_mfa_setup_is_compared_copied_and_versioned(
    client: GraphQLClient, strict: StrictCognito
) -> None:
    source = hold(strict, "plus-eums-sms-2026")
    target = hold(strict, "api-reference-update-sample")
    compared = await client.execute(
        "query($l: ID!, $r: ID!) { compareUserPools(left: $l, right: $r) { path } }",
        {"l": target, "r": source},
    )
    paths = {c["path"] for c in compared["data"]["compareUserPools"]}
    assert "webAuthnConfiguration.relyingPartyId" in paths
    copied = await client.execute(
        """mutation($from: ID!, $to: ID!) {
          copyUserPoolSettings(from: $from, to: $to, paths: ["webAuthnConfiguration"]) {
            changes { path after } } }""",
        {"from": source, "to": target},
    )
    assert "errors" not in copied, copied
    setup = strict.mfa(target)
    assert setup["WebAuthnConfiguration"] == strict.mfa(source)["WebAuthnConfiguration"]
    assert setup["SoftwareTokenMfaConfiguration"] == {"Enabled": True}  # the rest is kept
    assert setup["MfaConfiguration"] == "OPTIONAL"
    history = await client.execute(
        """query($id: ID!) {
          userPoolHistory(id: $id, first: 1) { nodes { source changes { path } } } }""",
        {"id": target},
    )
    newest = history["data"]["userPoolHistory"]["nodes"][0]
    assert newest["source"] == "GATEWAY"
    assert "webAuthnConfiguration.relyingPartyId" in {c["path"] for c in newest["changes"]}


async def test_mfa_changed_first_is_undone_when_the_update_fails_for_good(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id = hold(strict, "api-reference-update-sample")
    setup = strict.mfa(pool_id)
    proxy.fail("UpdateUserPool", "InvalidParameterException", message="refused")
    patch = {"mfaConfiguration": "OFF", "userPoolTags": [{"key": "k", "value": "v"}]}
    answer = await update(client, pool_id, patch)
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert proxy.sequence().count("SetUserPoolMfaConfig") == 2  # the change, then its undo
    assert strict.mfa(pool_id) == setup


async def test_the_pool_changed_first_is_undone_when_the_mfa_call_fails_for_good(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id = hold(strict, "essentials-passwordless-2025")
    policies = strict.pool(pool_id)["Policies"]
    proxy.fail("SetUserPoolMfaConfig", "InvalidParameterException", message="refused")
    patch = {
        "mfaConfiguration": "ON",
        "policies": {"signInPolicy": {"allowedFirstAuthFactors": ["PASSWORD"]}},
    }
    answer = await update(client, pool_id, patch)
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    writes_sent = [op for op in proxy.sequence() if op in WRITES]
    assert writes_sent == ["UpdateUserPool", "SetUserPoolMfaConfig", "UpdateUserPool"]
    assert strict.pool(pool_id)["Policies"] == policies


async def test_an_export_with_an_mfa_setup_creates_its_twin(
    client: GraphQLClient, strict: StrictCognito, proxy: FaultProxy, cognito: Any
) -> None:
    """createUserPool takes the MFA setup an export carries: CreateUserPool, then
    SetUserPoolMfaConfig with all of it (CreateUserPool takes only the mode)."""
    source = hold(strict, "api-reference-update-sample")
    exported = await client.execute("query($id: ID!) { exportUserPool(id: $id) }", {"id": source})
    document = exported["data"]["exportUserPool"]
    assert document["webAuthnConfiguration"]["relyingPartyId"] == "auth.example.com"
    created = await client.execute(
        "mutation($input: CreateUserPoolInput!) { createUserPool(input: $input) { id "
        "mfaConfiguration softwareTokenMfaConfiguration { enabled } } }",
        {"input": {**document, "poolName": f"twin-{uuid.uuid4().hex[:6]}"}},
    )
    assert "errors" not in created, created
    twin = created["data"]["createUserPool"]
    assert twin["mfaConfiguration"] == "OPTIONAL"
    assert twin["softwareTokenMfaConfiguration"] == {"enabled": True}
    (sent,) = proxy.requests("SetUserPoolMfaConfig")
    assert sent["UserPoolId"] == twin["id"]
    assert sent["WebAuthnConfiguration"] == strict.mfa(source)["WebAuthnConfiguration"]
    setup = await cognito.call("eu-west-1", "GetUserPoolMfaConfig", UserPoolId=twin["id"])
    assert setup["MfaConfiguration"] == "OPTIONAL"
