"""The app client's round trip and rules, as pure functions (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.client_planner import plan_client_batch, plan_client_create
from gateway.core.client_rules import client_request_from
from gateway.core.kinds import USER_POOL, USER_POOL_CLIENT, kind_of_key, pool_of
from gateway.core.risk import Risk
from gateway.errors import Argument, Field, GatewayError

POOL = "eu-west-1_AbC123"
CLIENT: dict[str, Any] = {
    "UserPoolId": POOL,
    "ClientId": "3n4b5urk1ft4fl3mg5e62d9ado",
    "ClientName": "web",
    "ClientSecret": "s3cr3t",
    "CreationDate": "2025-01-01T00:00:00Z",
    "LastModifiedDate": "2025-01-02T00:00:00Z",
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "RefreshTokenValidity": 30,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "CallbackURLs": ["https://app.example.com/callback"],
    "LogoutURLs": ["https://app.example.com/"],
    "DefaultRedirectURI": "https://app.example.com/callback",
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "SupportedIdentityProviders": ["COGNITO"],
    "ReadAttributes": ["email"],
    "EnableTokenRevocation": True,
}


def test_the_kinds_are_read_off_the_model() -> None:
    assert USER_POOL_CLIENT.describe_only >= {"ClientSecret", "CreationDate", "LastModifiedDate"}
    assert "CallbackURLs" in USER_POOL_CLIENT.writable_members
    assert "ClientId" not in USER_POOL_CLIENT.writable_members
    assert USER_POOL_CLIENT.secret_members == {"ClientSecret"}
    key = USER_POOL_CLIENT.key(POOL, "abc")
    assert key == f"{POOL}/clients/abc" and pool_of(key) == POOL
    assert kind_of_key(key) is USER_POOL_CLIENT and kind_of_key(POOL) is USER_POOL


def test_the_request_keeps_what_an_update_takes_and_leaves_the_secret_and_dates() -> None:
    request = client_request_from(CLIENT)
    assert not {"ClientSecret", "CreationDate", "LastModifiedDate", "ClientId"} & set(request)
    assert request["CallbackURLs"] == CLIENT["CallbackURLs"]


def test_a_validity_travels_with_its_unit_written_out() -> None:
    request = client_request_from({**CLIENT, "TokenValidityUnits": None})
    assert request["TokenValidityUnits"] == {
        "AccessToken": "hours",
        "IdToken": "hours",
        "RefreshToken": "days",
    }


def test_a_one_member_patch_sends_every_other_member() -> None:
    plan = plan_client_batch(CLIENT, [{"ClientName": "portal"}]).plan
    ((operation, request),) = plan.calls
    assert operation == "UpdateUserPoolClient"
    assert request["CallbackURLs"] == CLIENT["CallbackURLs"]
    assert request["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert request["ClientId"] == CLIENT["ClientId"] and request["ClientName"] == "portal"
    assert [c.path for c in plan.changes] == [("ClientName",)]
    assert "ClientSecret" not in request


def test_clearing_the_units_would_make_60_minutes_60_hours_and_is_refused() -> None:
    error = first_error({"TokenValidityUnits": None})
    assert error.rule == "token-validity" and "60 hours" in error.message


def first_error(patch: dict[str, Any], client: dict[str, Any] = CLIENT) -> GatewayError:
    outcome = plan_client_batch(client, [patch]).outcomes[0]
    assert isinstance(outcome, GatewayError), outcome
    return outcome


@pytest.mark.parametrize(
    ("patch", "path", "rule"),
    [
        ({"AccessTokenValidity": 2}, ("AccessTokenValidity",), "token-validity"),
        ({"TokenValidityUnits": {"AccessToken": "hours"}}, ("TokenValidityUnits", "AccessToken"),
         "token-validity"),
        ({"DefaultRedirectURI": "https://elsewhere.example"}, ("DefaultRedirectURI",),
         "in-callbacks"),
        ({"CallbackURLs": None, "DefaultRedirectURI": None}, ("CallbackURLs",),
         "callbacks-required"),
        ({"AllowedOAuthFlowsUserPoolClient": False}, ("AllowedOAuthFlows",), "oauth-enabled"),
        ({"AllowedOAuthFlows": ["code", "client_credentials"]}, ("AllowedOAuthFlows",),
         "client-credentials-alone"),
        ({"AllowedOAuthFlows": ["client_credentials"], "CallbackURLs": None,
          "DefaultRedirectURI": None}, ("AllowedOAuthScopes",), "client-credentials-scopes"),
        ({"AnalyticsConfiguration": {"ApplicationId": "abc"}},
         ("AnalyticsConfiguration", "RoleArn"), "required"),
        ({"ClientSecret": "x"}, ("ClientSecret",), "read-only"),
        ({"ExplicitAuthFlows": ["NOPE"]}, ("ExplicitAuthFlows", "0"), "enum"),
    ],
)  # fmt: skip
def test_the_service_rules_name_the_field(
    patch: dict[str, Any], path: tuple[str, ...], rule: str
) -> None:
    error = first_error(patch)
    assert (error.rule, error.field and error.field.path) == (rule, path)
    assert error.field is not None and error.field.argument == Argument.UPDATE_CLIENT


def test_client_credentials_needs_a_secret() -> None:
    machine = {"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"],
               "CallbackURLs": None, "DefaultRedirectURI": None}  # fmt: skip
    assert plan_client_batch(CLIENT, [machine]).plan.changes
    public = {k: v for k, v in CLIENT.items() if k != "ClientSecret"}
    assert first_error(machine, public).rule == "secret"


def test_turning_oauth_off_with_its_flows_and_scopes_is_accepted() -> None:
    patch = {"AllowedOAuthFlowsUserPoolClient": False, "AllowedOAuthFlows": None,
             "AllowedOAuthScopes": None}  # fmt: skip
    request = plan_client_batch(CLIENT, [patch]).plan.configuration
    assert "AllowedOAuthFlows" not in request and request["CallbackURLs"]


def test_an_empty_list_is_sent_absent() -> None:
    request = plan_client_batch(CLIENT, [{"LogoutURLs": []}]).plan.configuration
    assert "LogoutURLs" not in request


def test_client_changes_carry_the_client_risk_table() -> None:
    plan = plan_client_batch(CLIENT, [{"EnableTokenRevocation": False}]).plan
    assert [(c.path, c.risk) for c in plan.changes] == [(("EnableTokenRevocation",), Risk.HIGH)]


def test_create_fills_units_and_checks_the_rules() -> None:
    body = plan_client_create({"ClientName": "app", "AccessTokenValidity": 1}, POOL)
    assert body["TokenValidityUnits"] == {"AccessToken": "hours"}
    with pytest.raises(GatewayError) as raised:
        plan_client_create({"ClientName": "m2m", "AllowedOAuthFlows": ["client_credentials"],
                            "AllowedOAuthFlowsUserPoolClient": True,
                            "AllowedOAuthScopes": ["api/read"]}, POOL)  # fmt: skip
    assert raised.value.rule == "secret"
    with pytest.raises(GatewayError) as both:
        plan_client_create({"ClientName": "m2m", "GenerateSecret": True,
                            "ClientSecret": "x" * 32}, POOL)  # fmt: skip
    assert (both.value.rule, both.value.field) == (
        "one-secret",
        Field(Argument.CREATE_CLIENT, ("ClientSecret",)),
    )


NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=8)
PATCHES = st.fixed_dictionaries(
    {},
    optional={
        "ClientName": NAMES,
        "LogoutURLs": st.one_of(st.none(), st.lists(NAMES.map(lambda n: f"https://{n}.example"))),
        "RefreshTokenValidity": st.integers(min_value=1, max_value=3650),
        "EnableTokenRevocation": st.booleans(),
        "ReadAttributes": st.one_of(st.none(), st.lists(st.sampled_from(["email", "name"]))),
    },
)


@settings(max_examples=150, deadline=None)
@given(PATCHES)
def test_a_patch_changes_only_what_it_names(patch: dict[str, Any]) -> None:
    """Whatever a valid patch names, every member it does not name is sent as it was."""
    plan = plan_client_batch(CLIENT, [patch]).plan
    before = client_request_from(CLIENT)
    after = plan.configuration
    for member in set(before) | set(after):
        if member not in patch:
            assert before.get(member) == after.get(member), member
    assert {c.path[0] for c in plan.changes} <= set(patch)
