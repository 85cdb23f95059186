from __future__ import annotations

import pytest

from gateway import model


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("MfaConfiguration", "mfaConfiguration"),
        ("KMSKeyID", "kmsKeyID"),
        ("SMSMessage", "smsMessage"),
        ("Id", "id"),
        ("ID", "id"),
        ("AcrValue", "acrValue"),
        ("UserPoolTags", "userPoolTags"),
        ("already", "already"),
    ],
)
def test_graphql_name_lowers_a_leading_acronym_as_a_whole(member: str, expected: str) -> None:
    assert model.graphql_name(member) == expected


def test_writable_members_come_from_the_update_and_mfa_operations() -> None:
    update = model.operation("UpdateUserPool").input_shape.members
    mfa = model.operation("SetUserPoolMfaConfig").input_shape.members
    assert model.update_members() == frozenset(update) - {"UserPoolId"}
    assert model.mfa_members() == frozenset(mfa) - frozenset(update)
    assert "WebAuthnConfiguration" in model.mfa_members()
    assert model.writable_members() == model.update_members() | model.mfa_members()
    assert set(model.configuration_shape().members) == {"UserPoolId"} | model.writable_members()
    # The pool as shown carries the MFA setup, with the model's own shapes for it.
    for member in model.mfa_members():
        assert model.user_pool_shape().members[member].name == mfa[member].name
    # Describe-only members are not writable: the model says so, not a list of ours.
    for read_only in ("Id", "Arn", "Status", "SchemaAttributes", "EstimatedNumberOfUsers"):
        assert read_only not in model.writable_members()


def test_summary_members_are_what_list_user_pools_returns() -> None:
    assert {"Id", "Name"} <= model.summary_members()
    assert "Policies" not in model.summary_members()


def test_limits_and_documentation_are_read_from_the_model() -> None:
    password = model.shape("PasswordPolicyType").members["MinimumLength"]
    assert model.limits(password).minimum == 6
    assert model.describe_limits(password) == f"Range: 6 to {model.limits(password).maximum}."
    text = model.plain_documentation("<p>The <b>minimum</b> length.</p>")
    assert text == "The minimum length."


def test_iter_members_walks_every_nested_member() -> None:
    paths = dict(model.iter_members(model.user_pool_shape()))
    assert "Policies.PasswordPolicy.MinimumLength" in paths
    assert "AccountRecoverySetting.RecoveryMechanisms[].Priority" in paths
    assert "AcrConfiguration{}.AcrValue" in paths
