from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import model
from gateway.core.merge import get_path, merge, patched_paths

SHAPE = model.input_shape("UpdateUserPool")


def test_absent_keeps_null_clears_objects_merge_lists_replace_maps_merge_by_key() -> None:
    current = {
        "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": True}},
        "AutoVerifiedAttributes": ["email", "phone_number"],
        "UserPoolTags": {"a": "1", "b": "2"},
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True},
        "DeletionProtection": "ACTIVE",
    }
    patch = {
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
        "AutoVerifiedAttributes": ["email"],
        "UserPoolTags": {"a": None, "c": "3"},
        "DeviceConfiguration": None,
    }
    assert merge(current, patch, SHAPE) == {
        "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": True}},
        "AutoVerifiedAttributes": ["email"],
        "UserPoolTags": {"b": "2", "c": "3"},
        "DeletionProtection": "ACTIVE",
    }
    assert current["UserPoolTags"] == {"a": "1", "b": "2"}  # inputs are never mutated


def test_a_map_value_that_looks_like_an_object_still_merges_by_key() -> None:
    current = {"AcrConfiguration": {"Level1": {"AcrValue": "a"}, "Level2": {"AcrValue": "b"}}}
    patch = {"AcrConfiguration": {"Level2": None, "Level3": {"AcrValue": "c"}}}
    assert merge(current, patch, SHAPE) == {
        "AcrConfiguration": {"Level1": {"AcrValue": "a"}, "Level3": {"AcrValue": "c"}}
    }


def test_patched_paths_lists_leaves_and_clears() -> None:
    patch = {
        "Policies": {"PasswordPolicy": {"MinimumLength": 9}},
        "UserPoolTags": {"x": None},
        "AutoVerifiedAttributes": ["email"],
    }
    assert dict(patched_paths(patch, SHAPE)) == {
        ("Policies", "PasswordPolicy", "MinimumLength"): 9,
        ("UserPoolTags", "x"): None,
        ("AutoVerifiedAttributes",): ["email"],
    }


# -- property: a generated document, a generated patch ---------------------------------------

leaf = st.one_of(
    st.integers(0, 50),
    st.text(max_size=4),
    st.booleans(),
    st.lists(st.sampled_from(["email", "phone_number"]), max_size=2),
)
tags = st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.text(max_size=3), max_size=4)
tag_patch = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=3), st.none() | st.text(max_size=3), max_size=4
)
password = st.fixed_dictionaries(
    {},
    optional={
        "MinimumLength": st.integers(6, 99),
        "RequireSymbols": st.booleans(),
        "RequireNumbers": st.booleans(),
        "PasswordHistorySize": st.integers(0, 24),
    },
)
password_patch = st.fixed_dictionaries(
    {},
    optional={
        "MinimumLength": st.none() | st.integers(6, 99),
        "RequireSymbols": st.none() | st.booleans(),
        "RequireNumbers": st.none() | st.booleans(),
    },
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "Policies": st.fixed_dictionaries({"PasswordPolicy": password}),
        "UserPoolTags": tags,
        "DeletionProtection": st.sampled_from(["ACTIVE", "INACTIVE"]),
        "AutoVerifiedAttributes": st.lists(st.sampled_from(["email", "phone_number"]), max_size=2),
        "DeviceConfiguration": st.fixed_dictionaries(
            {}, optional={"ChallengeRequiredOnNewDevice": st.booleans()}
        ),
    },
)
patches = st.fixed_dictionaries(
    {},
    optional={
        "Policies": st.fixed_dictionaries({"PasswordPolicy": password_patch}),
        "UserPoolTags": tag_patch,
        "DeletionProtection": st.none() | st.sampled_from(["ACTIVE", "INACTIVE"]),
        "AutoVerifiedAttributes": st.none() | st.lists(st.sampled_from(["email"]), max_size=1),
        "DeviceConfiguration": st.none()
        | st.fixed_dictionaries({}, optional={"DeviceOnlyRememberedOnUserPrompt": st.booleans()}),
    },
)


def leaves(document: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    return dict(patched_paths(document, SHAPE))


@settings(max_examples=300, deadline=None)
@given(current=documents, patch=patches)
def test_merge_changes_exactly_the_patched_leaves(
    current: dict[str, Any], patch: dict[str, Any]
) -> None:
    merged = merge(current, patch, SHAPE)
    patched = leaves(patch)
    for path, value in patched.items():
        assert get_path(merged, path) == value
    for path, value in leaves(current).items():
        covered = any(path[: len(p)] == p for p in patched)
        cleared_above = any(
            patch_value is None and path[: len(p)] == p for p, patch_value in patched.items()
        )
        if not covered and not cleared_above:
            assert get_path(merged, path) == value
