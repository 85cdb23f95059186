"""One test (or a few) per round-trip rule; each shows the naive trap."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import model
from gateway.core import rules
from gateway.core.validation import check_reserved_tags
from gateway.core.version import pool_version
from gateway.errors import Argument, Field, GatewayError
from tests.support.documents import load_real_pool, real_pool_files

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"


def test_keep_writable_drops_describe_only_members_and_renames_name() -> None:
    pool = {
        "Id": "eu-west-1_a",
        "Name": "n",
        "Arn": "arn",
        "Status": None,
        "CreationDate": 1.5e9,
        "SchemaAttributes": [{}],
        "EstimatedNumberOfUsers": 3,
        "Domain": "d",
        "UsernameAttributes": ["email"],
        "DeletionProtection": "ACTIVE",
        "SmsConfigurationFailure": "x",
        "UnknownFutureReadOnly": 1,
    }
    request = rules.keep_writable(pool)
    assert request == {"PoolName": "n", "DeletionProtection": "ACTIVE"}
    assert set(request) <= model.writable_members()


def test_keep_writable_keeps_every_writable_member_it_is_given() -> None:
    """Carried over by the model, not by a list: every UpdateUserPool member survives."""
    pool = {member: f"value-{member}" for member in model.writable_members()}
    assert rules.keep_writable(pool) == pool


@pytest.mark.parametrize(
    ("policy", "expected_days"),
    [({"MinimumLength": 8}, 14), ({"TemporaryPasswordValidityDays": 3}, 3)],
)
def test_legacy_unused_account_validity_folds_into_the_password_policy(
    policy: dict[str, Any], expected_days: int
) -> None:
    request = {
        "AdminCreateUserConfig": {
            "UnusedAccountValidityDays": 14,
            "AllowAdminCreateUserOnly": True,
        },
        "Policies": {"PasswordPolicy": policy},
    }
    result = rules.fold_unused_account_validity(request)
    assert result["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert result["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == expected_days
    assert request["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 14  # input untouched


def test_legacy_validity_stays_alone_without_a_password_policy() -> None:
    request = {"AdminCreateUserConfig": {"UnusedAccountValidityDays": 14}}
    assert rules.fold_unused_account_validity(request) == request


def test_pre_token_generation_triggers_are_kept_identical() -> None:
    request = {
        "LambdaConfig": {
            "PreTokenGeneration": ARN + "old",
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": ARN + "new"},
        }
    }
    synced = rules.sync_pre_token_generation(request)
    assert synced["LambdaConfig"]["PreTokenGeneration"] == ARN + "new"
    legacy_wins = rules.sync_pre_token_generation(request, prefer_legacy=True)
    assert legacy_wins["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaArn"] == ARN + "old"


def test_legacy_message_fields_fold_into_the_template_which_wins() -> None:
    request = {
        "EmailVerificationMessage": "legacy {####}",
        "SmsVerificationMessage": "sms {####}",
        "VerificationMessageTemplate": {"EmailMessage": "template {####}"},
    }
    result = rules.fold_legacy_messages(request)
    assert result == {
        "VerificationMessageTemplate": {
            "EmailMessage": "template {####}",
            "SmsMessage": "sms {####}",
        }
    }


def test_dangling_kms_key_is_dropped_but_kept_for_a_custom_sender() -> None:
    dangling = {"LambdaConfig": {"KMSKeyID": ARN + "k", "PreSignUp": ARN + "p"}}
    assert rules.drop_dangling_kms_key(dangling) == {"LambdaConfig": {"PreSignUp": ARN + "p"}}
    sender = {
        "LambdaConfig": {
            "KMSKeyID": ARN + "k",
            "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": ARN},
        }
    }
    assert rules.drop_dangling_kms_key(sender) == sender


def test_empty_objects_are_not_sent() -> None:
    request = {
        "DeviceConfiguration": {},
        "SmsConfiguration": {},
        "UserPoolAddOns": {},
        "LambdaConfig": {},
        "EmailConfiguration": {},
        "AutoVerifiedAttributes": [],
        "Policies": {"PasswordPolicy": {}},
    }
    assert rules.drop_empty_objects(request) == {"AutoVerifiedAttributes": []}


def test_reserved_tags_are_never_sent() -> None:
    request = {
        "UserPoolTags": {"aws:cloudformation:stack-name": "s", "AWS:Owner": "o", "team": "id"}
    }
    assert rules.drop_reserved_tags(request) == {"UserPoolTags": {"team": "id"}}


@pytest.mark.parametrize("key", ["aws:x", "AWS:x", "Aws:x", "aWs:"])
def test_one_reserved_tag_rule_for_sending_and_for_patches(key: str) -> None:
    """What the round trip drops and what a patch may not touch are the same keys."""
    assert rules.is_reserved_tag(key)
    assert rules.drop_reserved_tags({"UserPoolTags": {key: "v"}}) == {"UserPoolTags": {}}
    with pytest.raises(GatewayError) as error:
        check_reserved_tags({key: "v"}, Field(Argument.UPDATE, ("UserPoolTags",)))
    assert error.value.rule == "reserved"
    assert not rules.is_reserved_tag("awsx:" + key)


@pytest.mark.parametrize("path", real_pool_files(), ids=lambda p: p.name[:2])
def test_real_pools_round_trip_without_legacy_conflicts(path: Any) -> None:
    pool = load_real_pool(path)
    request = rules.update_request_from(pool)
    assert set(request) <= model.writable_members()
    assert "UnusedAccountValidityDays" not in request.get("AdminCreateUserConfig", {}) or (
        "PasswordPolicy" not in request.get("Policies", {})
    )
    assert not {f.legacy[0] for f in rules.LEGACY_FIELDS[1:]} & set(request)
    assert not any(isinstance(v, dict) and not v for v in request.values())
    assert request["PoolName"] == pool["Name"]
    # The version is stable: the same document, reordered, hashes the same.
    assert pool_version(pool) == pool_version(dict(reversed(list(pool.items()))))
