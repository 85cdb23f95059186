"""The round-trip rules: DescribeUserPool output -> a safe UpdateUserPool request.

Each rule of the design is one small pure function on botocore-shaped dicts
(PascalCase keys). Every function returns a new dict and never mutates its
input, so the planner can compose them freely and tests can check each alone.
A naive round trip breaks on every one of these.

Copies are made on write along the path a rule changes (``writable_path``),
not of whole documents: what a rule does not touch is shared between input
and output, and nothing in the core mutates a document it was given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from gateway import model

Document = dict[str, Any]

RESERVED_TAG_PREFIX = "aws:"

# Legacy top-level message fields and the VerificationMessageTemplate member
# that supersedes each (rule 4). The pairing is semantic, not a field list:
# the model has no link between them.
LEGACY_MESSAGE_FIELDS: Mapping[str, str] = {
    "EmailVerificationMessage": "EmailMessage",
    "EmailVerificationSubject": "EmailSubject",
    "SmsVerificationMessage": "SmsMessage",
}
CUSTOM_SENDER_TRIGGERS = ("CustomEmailSender", "CustomSMSSender")


def is_reserved_tag(key: str) -> bool:
    """Rule 7's one definition: AWS reserves ``aws:`` in any letter case."""
    return key[: len(RESERVED_TAG_PREFIX)].lower() == RESERVED_TAG_PREFIX


def without_nulls(value: Any) -> Any:
    """Drop ``None`` members recursively: in a request, null means "not sent"."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value if v is not None]
    return value


def writable_path(document: Document, path: tuple[str, ...]) -> Document | None:
    """Copy the dicts along ``path`` inside ``document`` (itself a fresh copy) and
    return the innermost one, ready to change; None if the path is not all dicts."""
    current = document
    for key in path:
        inner = current.get(key)
        if not isinstance(inner, dict):
            return None
        inner = dict(inner)
        current[key] = inner
        current = inner
    return current


def keep_writable(pool: Mapping[str, Any]) -> Document:
    """Rule 1: keep what UpdateUserPool accepts (from the model); ``Name`` becomes ``PoolName``."""
    writable = model.writable_members()
    request = {k: v for k, v in pool.items() if k in writable and v is not None}
    if "PoolName" in writable and pool.get("Name") is not None and "PoolName" not in request:
        request["PoolName"] = pool["Name"]
    return dict(without_nulls(request))


def fold_unused_account_validity(request: Mapping[str, Any]) -> Document:
    """Rule 2: never send ``UnusedAccountValidityDays`` beside ``TemporaryPasswordValidityDays``.

    The legacy value moves into the password policy when the pool has one and
    that policy does not say otherwise; the password policy wins when both are
    set (it is what the service enforces). Without a password policy the
    legacy field is sent alone, which the service accepts, rather than
    inventing a policy whose other rules would take defaults.
    """
    result = dict(request)
    admin = result.get("AdminCreateUserConfig")
    if not isinstance(admin, dict) or "UnusedAccountValidityDays" not in admin:
        return result
    if not isinstance(result.get("Policies", {}).get("PasswordPolicy"), dict):
        return result
    admin = writable_path(result, ("AdminCreateUserConfig",))
    password_policy = writable_path(result, ("Policies", "PasswordPolicy"))
    assert admin is not None and password_policy is not None
    legacy = admin.pop("UnusedAccountValidityDays")
    password_policy.setdefault("TemporaryPasswordValidityDays", legacy)
    return result


def sync_pre_token_generation(request: Mapping[str, Any], prefer_legacy: bool = False) -> Document:
    """Rule 3: ``LambdaConfig.PreTokenGeneration`` and ``PreTokenGenerationConfig.LambdaArn`` agree.

    When both are present and differ, the one the caller changed wins
    (``prefer_legacy`` when the patch named ``PreTokenGeneration``); otherwise
    the versioned config, which is the newer API, wins.
    """
    result = dict(request)
    lambdas = result.get("LambdaConfig")
    if not isinstance(lambdas, dict):
        return result
    legacy = lambdas.get("PreTokenGeneration")
    config = lambdas.get("PreTokenGenerationConfig")
    if legacy is None or not isinstance(config, dict) or config.get("LambdaArn") is None:
        return result
    if legacy != config["LambdaArn"]:
        if prefer_legacy:
            writable = writable_path(result, ("LambdaConfig", "PreTokenGenerationConfig"))
            assert writable is not None
            writable["LambdaArn"] = legacy
        else:
            writable = writable_path(result, ("LambdaConfig",))
            assert writable is not None
            writable["PreTokenGeneration"] = config["LambdaArn"]
    return result


def fold_legacy_messages(request: Mapping[str, Any]) -> Document:
    """Rule 4: legacy message fields fold into ``VerificationMessageTemplate``; the template wins.

    The request never carries the legacy fields, so the two can never disagree.
    A legacy value only fills a template member the template does not set.
    """
    result = dict(request)
    legacy = {k: result.pop(k) for k in LEGACY_MESSAGE_FIELDS if k in result}
    if not legacy:
        return result
    template = dict(result.get("VerificationMessageTemplate") or {})
    for legacy_name, value in legacy.items():
        template.setdefault(LEGACY_MESSAGE_FIELDS[legacy_name], value)
    result["VerificationMessageTemplate"] = template
    return result


def drop_dangling_kms_key(request: Mapping[str, Any]) -> Document:
    """Rule 5: ``KMSKeyID`` only exists for custom sender triggers; drop it when none is left."""
    result = dict(request)
    lambdas = result.get("LambdaConfig")
    has_sender = isinstance(lambdas, dict) and any(lambdas.get(t) for t in CUSTOM_SENDER_TRIGGERS)
    if isinstance(lambdas, dict) and "KMSKeyID" in lambdas and not has_sender:
        result["LambdaConfig"] = {k: v for k, v in lambdas.items() if k != "KMSKeyID"}
    return result


def drop_empty_objects(
    request: Mapping[str, Any], members: Collection[str] | None = None
) -> Document:
    """Rule 6: never invent objects. An empty object is sent as absent.

    ``DeviceConfiguration: {}`` would turn device remembering on, an empty
    ``SmsConfiguration`` or ``UserPoolAddOns`` is rejected for its required
    members, and an empty ``EmailConfiguration`` or ``LambdaConfig`` means the
    same as none. Empty lists stay: they are values in their own right.
    ``members`` limits the walk to those top-level members (the rest is known
    to be pruned already).
    """

    def prune(value: Any) -> Any:
        if isinstance(value, dict):
            pruned = {k: prune(v) for k, v in value.items()}
            return {k: v for k, v in pruned.items() if not (isinstance(v, dict) and not v)}
        if isinstance(value, list):
            return [prune(v) for v in value]
        return value

    result = dict(request)
    for member in list(result) if members is None else [m for m in members if m in result]:
        value = prune(result[member])
        if isinstance(value, dict) and not value:
            del result[member]
        else:
            result[member] = value
    return result


def drop_reserved_tags(request: Mapping[str, Any]) -> Document:
    """Rule 7: ``aws:``-prefixed tags belong to AWS and are never sent."""
    result = dict(request)
    tags = result.get("UserPoolTags")
    if isinstance(tags, dict):
        result["UserPoolTags"] = {k: v for k, v in tags.items() if not is_reserved_tag(k)}
    return result


def normalize_request(
    request: Mapping[str, Any],
    prefer_legacy_pre_token: bool = False,
    changed: Collection[str] | None = None,
) -> Document:
    """Apply rules 2 to 7 to a request that already holds only writable members.

    ``changed``: the top-level members that may need pruning (all if None).
    """
    result = fold_unused_account_validity(request)
    result = sync_pre_token_generation(result, prefer_legacy=prefer_legacy_pre_token)
    result = fold_legacy_messages(result)
    result = drop_dangling_kms_key(result)
    result = drop_reserved_tags(result)
    if changed is not None:  # rules 2 to 5 may have changed these too
        changed = {
            *changed,
            "AdminCreateUserConfig",
            "Policies",
            "LambdaConfig",
            "VerificationMessageTemplate",
        }
    return drop_empty_objects(result, changed)


def update_request_from(pool: Mapping[str, Any]) -> Document:
    """The UpdateUserPool request (without ``UserPoolId``) that keeps ``pool`` as it is."""
    return normalize_request(keep_writable(pool))
