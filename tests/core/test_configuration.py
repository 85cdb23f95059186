"""Restore and copy as patches, compare normalized: properties over model-shaped
configurations (hypothesis) and the redacted-secret rule."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import model
from gateway.core.configuration import (
    REDACTED,
    comparable,
    compare,
    copy_patch,
    default_copy_paths,
    redact,
    replacing_patch,
)
from gateway.core.kinds import USER_POOL
from gateway.core.merge import get_path, merge
from tests.support.strategies import value_of

SHAPE = model.input_shape("UpdateUserPool")
configurations = value_of(SHAPE, patch=False).map(
    lambda d: {k: v for k, v in d.items() if k != "UserPoolId"}
)


@settings(max_examples=150, deadline=None)
@given(current=configurations, target=configurations)
def test_a_replacing_patch_merges_into_exactly_the_target(
    current: dict[str, Any], target: dict[str, Any]
) -> None:
    patch = replacing_patch(current, target, SHAPE)
    assert merge(current, patch, SHAPE) == target


@settings(max_examples=50, deadline=None)
@given(configuration=configurations)
def test_a_configuration_needs_no_patch_to_itself(configuration: dict[str, Any]) -> None:
    assert replacing_patch(configuration, configuration, SHAPE) == {}
    assert compare(configuration, configuration) == []


@settings(max_examples=100, deadline=None)
@given(current=configurations, source=configurations, data=st.data())
def test_copying_one_path_makes_it_equal_and_touches_nothing_else(
    current: dict[str, Any], source: dict[str, Any], data: st.DataObject
) -> None:
    member = data.draw(st.sampled_from(sorted(set(SHAPE.members) - {"UserPoolId"})))
    after = merge(current, copy_patch(current, source, [(member,)]), SHAPE)
    assert after.get(member) == source.get(member)
    assert {k: v for k, v in after.items() if k != member} == {
        k: v for k, v in current.items() if k != member
    }


def test_copying_a_nested_path_keeps_its_siblings() -> None:
    current = {"Policies": {"PasswordPolicy": {"MinimumLength": 8}, "SignInPolicy": {"A": 1}}}
    source = {"Policies": {"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": True}}}
    patch = copy_patch(current, source, [("Policies", "PasswordPolicy")])
    after = merge(current, patch, SHAPE)
    assert after["Policies"]["PasswordPolicy"] == source["Policies"]["PasswordPolicy"]
    assert after["Policies"]["SignInPolicy"] == {"A": 1}


def test_default_copy_leaves_name_tags_and_deletion_protection() -> None:
    source = {
        m: "x" for m in ("PoolName", "UserPoolTags", "DeletionProtection", "MfaConfiguration")
    }
    paths = default_copy_paths(source, {"SmsAuthenticationMessage": "y"})
    assert paths == [("MfaConfiguration",), ("SmsAuthenticationMessage",)]
    assert not {p[0] for p in paths} & set(USER_POOL.not_copied)


def test_a_redacted_secret_keeps_the_current_value() -> None:
    current = {"SmsConfiguration": {"SnsCallerArn": "arn:a", "ExternalId": "secret"}}
    stored = redact({"SmsConfiguration": {"SnsCallerArn": "arn:b", "ExternalId": "old"}},
                    frozenset({"ExternalId"}))  # fmt: skip
    assert get_path(stored, ("SmsConfiguration", "ExternalId")) == REDACTED
    patch = replacing_patch(current, stored, SHAPE)
    assert patch == {"SmsConfiguration": {"SnsCallerArn": "arn:b"}}


def test_empty_objects_and_lists_are_no_difference() -> None:
    assert comparable({"UserPoolId": "x", "LambdaConfig": {}, "AutoVerifiedAttributes": []}) == {}
    assert compare({"DeviceConfiguration": {}}, {}) == []
