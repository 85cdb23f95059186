"""Pure planning: (current pool, patch) -> the complete UpdateUserPool request.

No I/O here. ``plan_update`` reads the current DescribeUserPool document, the
patch (botocore-shaped, ``None`` = clear) and, when the patch touches MFA, the
current GetUserPoolMfaConfig answer, and returns everything the service layer
needs to write: the full request, the MFA request, the changes and a preview.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.core.merge import get_path, merge, patched_paths
from gateway.core.rules import LEGACY_MESSAGE_FIELDS, normalize_request, update_request_from
from gateway.core.validation import (
    check_cross_fields,
    check_required,
    check_reserved_tags,
    check_values,
    field_path,
    invalid,
)
from gateway.errors import GatewayError

PATCH_ROOT = "patch"
MFA_MEMBER = "MfaConfiguration"
LEGACY_VALIDITY = ("AdminCreateUserConfig", "UnusedAccountValidityDays")
TEMPORARY_VALIDITY = ("Policies", "PasswordPolicy", "TemporaryPasswordValidityDays")
PRE_TOKEN_LEGACY = ("LambdaConfig", "PreTokenGeneration")
PRE_TOKEN_CONFIG = ("LambdaConfig", "PreTokenGenerationConfig")


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class UpdatePlan:
    request: dict[str, Any]
    changes: list[FieldChange]
    mfa_request: dict[str, Any] | None
    preview: dict[str, Any]
    touched: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_noop(self) -> bool:
        return not self.changes


def _set_path(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document.setdefault(key, {})
    document[path[-1]] = value


def _pop_path(document: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    for key in path[:-1]:
        inner = document.get(key)
        if not isinstance(inner, dict):
            return False, None
        document = inner
    if path[-1] not in document:
        return False, None
    return True, document.pop(path[-1])


def translate_legacy_patch(patch: Mapping[str, Any]) -> dict[str, Any]:
    """Patches of legacy members go to their successors (rules 2, 3 and 4).

    ``UnusedAccountValidityDays`` -> ``TemporaryPasswordValidityDays``; legacy
    message fields -> ``VerificationMessageTemplate``; a clear of either
    pre-token trigger clears both. An explicit value for the successor wins.
    """
    result = copy.deepcopy(dict(patch))
    found, value = _pop_path(result, LEGACY_VALIDITY)
    if found and get_path(result, TEMPORARY_VALIDITY) is None:
        _set_path(result, TEMPORARY_VALIDITY, value)
    for legacy, successor in LEGACY_MESSAGE_FIELDS.items():
        if legacy in result:
            value = result.pop(legacy)
            template = result.setdefault("VerificationMessageTemplate", {})
            if isinstance(template, dict):
                template.setdefault(successor, value)
    lambdas = result.get("LambdaConfig")
    if isinstance(lambdas, dict):
        for cleared, other in (
            ("PreTokenGeneration", "PreTokenGenerationConfig"),
            ("PreTokenGenerationConfig", "PreTokenGeneration"),
        ):
            if cleared in lambdas and lambdas[cleared] is None:
                lambdas.setdefault(other, None)
    return result


def _leaves(value: Any, shape: Shape, path: tuple[str, ...]) -> dict[tuple[str, ...], Any]:
    """Flatten a request into {path: leaf}; lists and scalars are leaves."""
    if not (isinstance(value, Mapping) and isinstance(shape, StructureShape | MapShape)):
        return {path: value}
    found: dict[tuple[str, ...], Any] = {}
    for key, item in value.items():
        child = shape.members[key] if isinstance(shape, StructureShape) else shape.value
        found.update(_leaves(item, child, (*path, key)))
    return found


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Leaf-level changes between two requests, with GraphQL paths.

    Only members that differ as a whole are flattened: a patch changes a few.
    """
    shape = model.input_shape("UpdateUserPool")
    changes = []
    for member in sorted(set(before) | set(after)):
        if before.get(member) == after.get(member):
            continue
        child = shape.members[member]
        old = _leaves(before.get(member), child, (member,))
        new = _leaves(after.get(member), child, (member,))
        for path in sorted(set(old) | set(new)):
            if old.get(path) != new.get(path):
                name = field_path("", path, shape).lstrip(".")
                changes.append(FieldChange(name, old.get(path), new.get(path)))
    return changes


def plan_mfa(current: Mapping[str, Any] | None, wanted: str, pool_id: str) -> dict[str, Any]:
    """Rule 8: SetUserPoolMfaConfig replaces the whole MFA setup, so carry the rest over.

    ``OFF`` goes alone (a factor block with OFF is invalid); ``ON``/``OPTIONAL``
    need a factor that is already configured.
    """
    accepted = set(model.input_shape("SetUserPoolMfaConfig").members)
    factors = {
        k: v
        for k, v in (current or {}).items()
        if k in accepted and k not in ("UserPoolId", MFA_MEMBER) and v
    }
    request: dict[str, Any] = {"UserPoolId": pool_id, MFA_MEMBER: wanted}
    if wanted == "OFF":
        return request
    enabled = {
        k: v
        for k, v in factors.items()
        if not (isinstance(v, Mapping) and v.get("Enabled") is False)
    }
    if not enabled:
        raise invalid(
            f"{wanted} needs an MFA factor (SMS, software token or email) configured first "
            "with SetUserPoolMfaConfig",
            f"{PATCH_ROOT}.mfaConfiguration",
            "requires-mfa-factor",
        )
    request.update(factors)
    return request


def preview_pool(current: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The DescribeUserPool document the request would produce (for dry runs)."""
    writable = model.writable_members()
    pool = {k: v for k, v in current.items() if k not in writable}
    pool.update({k: v for k, v in request.items() if k not in ("UserPoolId", "PoolName")})
    if "PoolName" in request:
        pool["Name"] = request["PoolName"]
    return pool


def apply_patch(
    state: Mapping[str, Any],
    patch: Mapping[str, Any],
    mfa_config: Mapping[str, Any] | None,
    pool_id: str,
) -> tuple[dict[str, Any], frozenset[str]]:
    """One patch on a normalized request: validate, merge, normalize, cross-check.

    Returns the new request and the top-level members the patch touched.
    """
    shape = model.input_shape("UpdateUserPool")
    check_values(dict(patch), shape, PATCH_ROOT)
    check_reserved_tags(patch.get("UserPoolTags"), f"{PATCH_ROOT}.userPoolTags")
    translated = translate_legacy_patch(patch)
    merged = merge(state, translated, shape)
    legacy_pre_token_named = (
        get_path(patch, PRE_TOKEN_LEGACY) is not None
        and get_path(patch, (*PRE_TOKEN_CONFIG, "LambdaArn")) is None
    )
    touched = frozenset(path[0] for path, _ in patched_paths(translated, shape))
    after = normalize_request(
        merged, prefer_legacy_pre_token=legacy_pre_token_named, changed=touched
    )
    for member in touched:
        check_required(
            after.get(member), shape.members[member], f"{PATCH_ROOT}.{model.graphql_name(member)}"
        )
    check_cross_fields(after, set(touched), PATCH_ROOT)
    wanted_mfa = after.get(MFA_MEMBER, "OFF")
    if MFA_MEMBER in touched and wanted_mfa != state.get(MFA_MEMBER, "OFF"):
        plan_mfa(mfa_config, wanted_mfa, pool_id)  # validates: ON needs a factor
    return after, touched


@dataclass(frozen=True)
class BatchPlan:
    """One write for several patches: the plan, and each patch's own outcome."""

    plan: UpdatePlan
    outcomes: list[list[FieldChange] | GatewayError]


def plan_batch(
    current: Mapping[str, Any],
    patches: Sequence[Mapping[str, Any]],
    mfa_config: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
) -> BatchPlan:
    """Apply ``patches`` in order (a later patch of the same field wins).

    A patch that is invalid on the state before it fails alone; the others
    still apply. Each valid patch's changes are relative to the state it met.
    """
    pool_id = str(current.get("Id", ""))
    before = dict(before) if before is not None else update_request_from(current)
    state = before
    touched: set[str] = set()
    outcomes: list[list[FieldChange] | GatewayError] = []
    for patch in patches:
        try:
            after, patch_touched = apply_patch(state, patch, mfa_config, pool_id)
        except GatewayError as error:
            outcomes.append(error)
            continue
        outcomes.append(diff(state, after))
        state = after
        touched |= patch_touched
    valid = [o for o in outcomes if not isinstance(o, GatewayError)]
    mfa_request = None
    wanted_mfa = state.get(MFA_MEMBER, "OFF")
    if MFA_MEMBER in touched and wanted_mfa != before.get(MFA_MEMBER, "OFF"):
        mfa_request = plan_mfa(mfa_config, wanted_mfa, pool_id)
    plan = UpdatePlan(
        request={"UserPoolId": pool_id, **state},
        # One valid patch: its own changes are the plan's changes.
        changes=valid[0] if len(valid) == 1 else diff(before, state),
        mfa_request=mfa_request,
        preview=preview_pool(current, state),
        touched=frozenset(touched),
    )
    return BatchPlan(plan=plan, outcomes=outcomes)


def plan_update(
    current: Mapping[str, Any],
    patch: Mapping[str, Any],
    mfa_config: Mapping[str, Any] | None = None,
) -> UpdatePlan:
    """Merge ``patch`` into ``current`` and return the complete, validated plan."""
    batch = plan_batch(current, [patch], mfa_config)
    outcome = batch.outcomes[0]
    if isinstance(outcome, GatewayError):
        raise outcome
    return batch.plan
