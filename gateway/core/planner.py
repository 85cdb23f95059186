"""Pure planning: (current pool, patch) -> the complete UpdateUserPool request.

No I/O here. ``plan_update`` reads the current DescribeUserPool document, the
patch (botocore-shaped, ``None`` = clear) and, when the patch touches MFA, the
current GetUserPoolMfaConfig answer, and returns everything the service layer
needs to write: the full request, the MFA request, the changes and a preview.
``plan_create`` checks a CreateUserPool request the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway import model
from gateway.core.diff import FieldChange, diff
from gateway.core.merge import merge, patched_paths
from gateway.core.rules import (
    RENAMED,
    names_legacy_pre_token,
    normalize_request,
    patch_to_successors,
    update_request_from,
)
from gateway.core.validation import (
    at,
    check_cross_fields,
    check_required,
    check_reserved_tags,
    check_values,
)
from gateway.errors import Argument, GatewayError, invalid

MFA_MEMBER = "MfaConfiguration"


@dataclass(frozen=True)
class UpdatePlan:
    request: dict[str, Any]
    changes: list[FieldChange]
    mfa_request: dict[str, Any] | None
    preview: dict[str, Any]

    @property
    def is_noop(self) -> bool:
        return not self.changes

    @property
    def configuration(self) -> dict[str, Any]:
        """The planned writable configuration (the request without the pool's id), to
        compare with what a describe reads back (``PoolRecord.request``)."""
        return {k: v for k, v in self.request.items() if k != "UserPoolId"}


def mfa_request_from(config: Mapping[str, Any] | None, wanted: str, pool_id: str) -> dict[str, Any]:
    """The SetUserPoolMfaConfig request that sets ``wanted`` and keeps the factors of
    ``config`` (a GetUserPoolMfaConfig answer). ``OFF`` goes alone: a factor block
    with OFF is invalid. Also what undoes an MFA change (the service's rollback)."""
    request: dict[str, Any] = {"UserPoolId": pool_id, MFA_MEMBER: wanted}
    if wanted == "OFF":
        return request
    accepted = set(model.input_shape("SetUserPoolMfaConfig").members) - {"UserPoolId", MFA_MEMBER}
    request.update({k: v for k, v in (config or {}).items() if k in accepted and v})
    return request


def plan_mfa(current: Mapping[str, Any] | None, wanted: str, pool_id: str) -> dict[str, Any]:
    """Rule 8: SetUserPoolMfaConfig replaces the whole MFA setup, so carry the rest over.

    ``ON``/``OPTIONAL`` need a factor that is already configured and enabled.
    """
    request = mfa_request_from(current, wanted, pool_id)
    factors = [v for k, v in request.items() if k not in ("UserPoolId", MFA_MEMBER)]
    enabled = [v for v in factors if not (isinstance(v, Mapping) and v.get("Enabled") is False)]
    if wanted != "OFF" and not enabled:
        raise invalid(
            f"{wanted} needs an MFA factor (SMS, software token or email) configured first "
            "with SetUserPoolMfaConfig",
            at(Argument.UPDATE, MFA_MEMBER),
            "requires-mfa-factor",
        )
    return request


def preview_pool(current: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The DescribeUserPool document the request would produce (for dry runs)."""
    writable = model.writable_members()
    written_as = {written: described for described, written in RENAMED.items()}
    pool = {k: v for k, v in current.items() if k not in writable}
    for key, value in request.items():
        if key != "UserPoolId":
            pool[written_as.get(key, key)] = value
    return pool


def apply_patch(
    state: Mapping[str, Any],
    patch: Mapping[str, Any],
    mfa_config: Mapping[str, Any] | None,
    pool_id: str,
) -> dict[str, Any]:
    """One patch on a normalized request: validate, merge, normalize, cross-check."""
    shape = model.input_shape("UpdateUserPool")
    check_values(dict(patch), shape, at(Argument.UPDATE))
    check_reserved_tags(patch.get("UserPoolTags"), at(Argument.UPDATE, "UserPoolTags"))
    translated = patch_to_successors(patch)
    merged = merge(state, translated, shape)
    touched = frozenset(path[0] for path, _ in patched_paths(translated, shape))
    after = normalize_request(
        merged, prefer_legacy_pre_token=names_legacy_pre_token(patch), changed=touched
    )
    for member in touched:
        check_required(after.get(member), shape.members[member], at(Argument.UPDATE, member))
    check_cross_fields(after, set(touched), Argument.UPDATE)
    wanted_mfa = after.get(MFA_MEMBER, "OFF")
    if MFA_MEMBER in touched and wanted_mfa != state.get(MFA_MEMBER, "OFF"):
        plan_mfa(mfa_config, wanted_mfa, pool_id)  # validates: ON needs a factor
    return after


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
    outcomes: list[list[FieldChange] | GatewayError] = []
    for patch in patches:
        try:
            after = apply_patch(state, patch, mfa_config, pool_id)
        except GatewayError as error:
            outcomes.append(error)
            continue
        outcomes.append(diff(state, after))
        state = after
    valid = [o for o in outcomes if not isinstance(o, GatewayError)]
    mfa_request = None
    wanted_mfa = state.get(MFA_MEMBER, "OFF")
    if wanted_mfa != before.get(MFA_MEMBER, "OFF"):
        mfa_request = plan_mfa(mfa_config, wanted_mfa, pool_id)
    plan = UpdatePlan(
        request={"UserPoolId": pool_id, **state},
        # One valid patch: its own changes are the plan's changes.
        changes=valid[0] if len(valid) == 1 else diff(before, state),
        mfa_request=mfa_request,
        preview=preview_pool(current, state),
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


def plan_create(request: Mapping[str, Any]) -> dict[str, Any]:
    """A CreateUserPool request checked against the model and the cross-field rules.

    Raises ``BAD_USER_INPUT`` naming the field before anything is sent.
    """
    shape = model.input_shape("CreateUserPool")
    document = at(Argument.CREATE)
    check_values(dict(request), shape, document)
    check_required(dict(request), shape, document)
    check_reserved_tags(request.get("UserPoolTags"), at(Argument.CREATE, "UserPoolTags"))
    check_cross_fields(request, set(request), Argument.CREATE)
    return dict(request)
