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
from dataclasses import dataclass, replace
from typing import Any

from gateway import model
from gateway.core.merge import get_path

Document = dict[str, Any]

RESERVED_TAG_PREFIX = "aws:"


@dataclass(frozen=True)
class LegacyField:
    """A legacy member and the member that superseded it (rules 2 and 4).

    The pairing is semantic, not a field list: the model has no link between
    them. ``invent_parent``: whether the successor's enclosing object may be
    created for it. Rule 2 says no: without a password policy the legacy
    value is sent alone rather than inventing a policy whose other rules
    would take defaults.
    """

    legacy: tuple[str, ...]
    successor: tuple[str, ...]
    invent_parent: bool


LEGACY_FIELDS = (
    LegacyField(
        ("AdminCreateUserConfig", "UnusedAccountValidityDays"),
        ("Policies", "PasswordPolicy", "TemporaryPasswordValidityDays"),
        invent_parent=False,
    ),
    LegacyField(
        ("EmailVerificationMessage",), ("VerificationMessageTemplate", "EmailMessage"), True
    ),
    LegacyField(
        ("EmailVerificationSubject",), ("VerificationMessageTemplate", "EmailSubject"), True
    ),
    LegacyField(("SmsVerificationMessage",), ("VerificationMessageTemplate", "SmsMessage"), True),
)
# Rule 3: the legacy pre-token trigger and its versioned successor.
PRE_TOKEN_LEGACY = ("LambdaConfig", "PreTokenGeneration")
PRE_TOKEN_CONFIG = ("LambdaConfig", "PreTokenGenerationConfig")
# Rule 1: DescribeUserPool's member name -> UpdateUserPool's.
RENAMED = {"Name": "PoolName"}
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
    for described, written in RENAMED.items():
        if written in writable and pool.get(described) is not None and written not in request:
            request[written] = pool[described]
    return dict(without_nulls(request))


def move_legacy(document: Mapping[str, Any], field: LegacyField) -> Document:
    """Rules 2 and 4 on one document: take the legacy member out and put its
    value under the successor, unless the document already sets the successor
    (the successor is what the service enforces, so it wins).

    When the successor's parent is missing and may not be invented, or was
    cleared (``None``, in a patch), the legacy member stays where it is.
    """
    result = dict(document)
    *parents, leaf = field.legacy
    holder = get_path(result, tuple(parents)) if parents else result
    if not isinstance(holder, dict) or leaf not in holder:
        return result
    *successor_parents, successor_leaf = field.successor
    if _cleared_along(result, tuple(successor_parents)):
        return result  # a patch clears the successor's parent: nothing to put it in
    if get_path(result, tuple(successor_parents)) is None and not field.invent_parent:
        return result
    legacy_holder = writable_path(result, tuple(parents)) if parents else result
    assert legacy_holder is not None
    value = legacy_holder.pop(leaf)
    target = writable_path_creating(result, tuple(successor_parents))
    if target.get(successor_leaf) is None:
        target[successor_leaf] = value
    return result


def _cleared_along(document: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    """Whether some object on ``path`` is present but not an object (a clear)."""
    value: Any = document
    for key in path:
        if key not in value:
            return False
        value = value[key]
        if not isinstance(value, Mapping):
            return True
    return False


def writable_path_creating(document: Document, path: tuple[str, ...]) -> Document:
    """Like ``writable_path``, creating missing objects along the way."""
    current = document
    for key in path:
        inner = current.get(key)
        inner = dict(inner) if isinstance(inner, dict) else {}
        current[key] = inner
        current = inner
    return current


def fold_unused_account_validity(request: Mapping[str, Any]) -> Document:
    """Rule 2: never send ``UnusedAccountValidityDays`` beside ``TemporaryPasswordValidityDays``.

    The legacy value moves into the password policy when the pool has one and
    that policy does not say otherwise; the password policy wins when both are
    set (it is what the service enforces). Without a password policy the
    legacy field is sent alone, which the service accepts.
    """
    return move_legacy(request, LEGACY_FIELDS[0])


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
    for field in LEGACY_FIELDS[1:]:
        result = move_legacy(result, field)
    return result


def patch_to_successors(patch: Mapping[str, Any]) -> Document:
    """Rules 2, 3 and 4 on a patch: legacy members are written through their successors.

    The same table as for requests (``LEGACY_FIELDS``); a clear of either
    pre-token trigger clears both. An explicit value for the successor wins.
    """
    result = dict(patch)
    for field in LEGACY_FIELDS:
        result = move_legacy(result, replace(field, invent_parent=True))
    lambdas = result.get("LambdaConfig")
    if isinstance(lambdas, dict):
        legacy, config = PRE_TOKEN_LEGACY[-1], PRE_TOKEN_CONFIG[-1]
        for cleared, other in ((legacy, config), (config, legacy)):
            if cleared in lambdas and lambdas[cleared] is None and other not in lambdas:
                result["LambdaConfig"] = lambdas = {**lambdas, other: None}
    return result


def names_legacy_pre_token(patch: Mapping[str, Any]) -> bool:
    """Whether a patch sets the legacy pre-token trigger without the versioned one (rule 3)."""
    return (
        get_path(patch, PRE_TOKEN_LEGACY) is not None
        and get_path(patch, (*PRE_TOKEN_CONFIG, "LambdaArn")) is None
    )


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
