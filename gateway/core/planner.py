"""Pure planning: (current pool, patch) -> the calls that write it, and what they change.

No I/O here. ``plan_update`` reads the current pool (a DescribeUserPool document
joined with its MFA setup, see ``core/mfa``) and the patch (botocore-shaped,
``None`` = clear), and returns everything the service layer needs to write: the
whole planned configuration, the calls in a safe order (UpdateUserPool and/or
SetUserPoolMfaConfig) with their undo, the changes, warnings and a preview.
``plan_create`` checks a CreateUserPool request the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway import model
from gateway.core.cautions import Caution, cautions_for
from gateway.core.constraints import Write, check_constraints
from gateway.core.diff import FieldChange, diff
from gateway.core.ids import region_of
from gateway.core.merge import get_path, merge, patched_paths
from gateway.core.mfa import (
    enabled_factors,
    factor_members,
    mfa_request_from,
    mfa_setup_of,
    setup_members,
    switched_off,
    touches_mfa,
    with_mfa,
)
from gateway.core.omission import clear_of, omission_paths
from gateway.core.rules import (
    LEGACY_FIELDS,
    RENAMED,
    names_legacy_pre_token,
    normalize_request,
    patch_to_successors,
    update_request_from,
    writable_path_creating,
)
from gateway.core.tiers import check_tier
from gateway.core.validation import (
    at,
    check_required,
    check_reserved_tags,
    check_values,
)
from gateway.errors import Argument, GatewayError, Path, invalid

# The two calls a plan makes (``*_CALL``: deploy/iam-policy.json's test reads these names).
MFA_CALL = "SetUserPoolMfaConfig"
UPDATE_CALL = "UpdateUserPool"
Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class UpdatePlan:
    """``request``: the whole planned configuration with the pool's id; ``calls``: what
    to send, in order; ``undo``: for each call, the request that takes it back (sent
    when a later call of the same plan fails for good)."""

    request: dict[str, Any]
    changes: list[FieldChange]
    preview: dict[str, Any]
    calls: tuple[Call, ...] = ()
    undo: dict[str, dict[str, Any]] = field(default_factory=dict)
    intermediate: dict[str, Any] | None = None  # the configuration after the first of two calls
    cautions: tuple[Caution, ...] = ()  # accepted by the API, but sign-in will fail (cautions.py)
    identifiers: tuple[str, ...] = ("UserPoolId",)  # the request members that address it

    @property
    def is_noop(self) -> bool:
        return not self.changes

    @property
    def configuration(self) -> dict[str, Any]:
        """The planned writable configuration (the request without the ids), to compare
        with what a describe reads back (``PoolRecord.request``)."""
        return {k: v for k, v in self.request.items() if k not in self.identifiers}

    @property
    def mfa_request(self) -> dict[str, Any] | None:
        return next((request for name, request in self.calls if name == MFA_CALL), None)


def _update_part(configuration: Mapping[str, Any]) -> dict[str, Any]:
    update = model.update_members()
    return {k: v for k, v in configuration.items() if k in update}


def _with_mfa_part(base: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with its MFA setup (mode and MFA-only members) taken from ``source``."""
    setup = setup_members()
    return {**{k: v for k, v in base.items() if k not in setup}, **mfa_setup_of(source)}


def preview_pool(current: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The DescribeUserPool document the request would produce (for dry runs): as the
    service does, the legacy message fields mirror the template the request sends."""
    writable = model.writable_members()
    written_as = {written: described for described, written in RENAMED.items()}
    pool = {k: v for k, v in current.items() if k not in writable}
    for key, value in request.items():
        if key != "UserPoolId":
            pool[written_as.get(key, key)] = value
    for legacy in LEGACY_FIELDS[1:]:  # rule 4's message fields
        mirrored = get_path(request, legacy.successor)
        if mirrored is not None:
            pool[legacy.legacy[-1]] = mirrored
    return pool


def settle_omissions(
    state: Mapping[str, Any], after: dict[str, Any], cleared: Collection[Path] = ()
) -> dict[str, Any]:
    """``after`` as the service will take it (``core/omission``): a member the pool has
    and the write leaves out, though Cognito keeps it when omitted, is sent with the
    value that clears it; one that cannot be cleared is refused, at the member the patch
    ``cleared`` if it named one, else at the outermost one left out."""
    missing = [
        path
        for path in omission_paths()
        if get_path(state, path) is not None and get_path(after, path) is None
    ]
    refused = [path for path in missing if clear_of(path).refusal is not None]
    if refused:
        path = next((p for p in refused if p in cleared), min(refused, key=len))
        raise invalid(str(clear_of(path).refusal), at(Argument.UPDATE, *path), "cannot-clear")
    result = after
    for path in missing:  # deepest first
        value = clear_of(path).value
        if value is not None and get_path(result, path) is None:
            result = dict(result)
            writable_path_creating(result, path[:-1])[path[-1]] = value
    return result


def _region(pool_id: str) -> str | None:
    try:
        return region_of(pool_id)
    except GatewayError:
        return None


def check_write(before: Mapping[str, Any], after: Mapping[str, Any], touched: frozenset[str],
                document: Argument, pool_id: str) -> None:  # fmt: skip
    """The rules between settings and the feature plan's, on what a write leaves."""
    write = Write(before, after, touched, document, _region(pool_id))
    check_constraints(write)
    check_tier(write)


def apply_patch(state: Mapping[str, Any], patch: Mapping[str, Any], pool_id: str) -> dict[str, Any]:
    """One patch on a normalized configuration: validate, settle clears, merge,
    normalize, cross-check."""
    shape = model.configuration_shape()
    check_values(dict(patch), shape, at(Argument.UPDATE))
    check_reserved_tags(patch.get("UserPoolTags"), at(Argument.UPDATE, "UserPoolTags"))
    translated = patch_to_successors(patch)
    merged = merge(state, translated, shape)
    leaves = list(patched_paths(translated, shape))
    touched = frozenset(path[0] for path, _ in leaves)
    after = normalize_request(
        merged, prefer_legacy_pre_token=names_legacy_pre_token(patch), changed=touched
    )
    after = settle_omissions(state, after, {path for path, value in leaves if value is None})
    if switched_off(state, after, set(touched & factor_members())):
        # MFA off: the factors go with it (the service refuses OFF beside an enabled factor).
        after = {k: v for k, v in after.items() if k not in enabled_factors(after)}
    for member in touched:
        check_required(after.get(member), shape.members[member], at(Argument.UPDATE, member))
    check_write(state, after, touched, Argument.UPDATE, pool_id)
    return after


def _changed_members(before: Mapping[str, Any], after: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _valid_step(before: Mapping[str, Any], step: Mapping[str, Any], pool_id: str) -> bool:
    try:
        check_write(before, step, _changed_members(before, step), Argument.UPDATE, pool_id)
    except GatewayError:
        return False
    return True


def plan_calls(
    before: Mapping[str, Any], after: Mapping[str, Any], pool_id: str
) -> tuple[tuple[Call, ...], dict[str, Any] | None]:
    """The calls that take the pool from ``before`` to ``after``, ordered so that the
    state between them is valid (so a failure of the second leaves a valid pool), and
    the configuration between them."""
    changed = _changed_members(before, after)
    mfa = (MFA_CALL, mfa_request_from(after, pool_id)) if touches_mfa(changed) else None
    if not changed - setup_members():
        return ((mfa,) if mfa else ()), None
    update = (UPDATE_CALL, {"UserPoolId": pool_id, **_update_part(after)})
    if mfa is None:
        return (update,), None
    mfa_first = _with_mfa_part(before, after)
    update_first = _with_mfa_part(after, before)
    if _valid_step(before, mfa_first, pool_id) or not _valid_step(before, update_first, pool_id):
        return (mfa, update), mfa_first
    # The pool must change first (e.g. email MFA needs DEVELOPER email): UpdateUserPool
    # keeps the MFA mode it had, SetUserPoolMfaConfig then changes it.
    request = {"UserPoolId": pool_id, **_update_part(update_first)}
    return ((UPDATE_CALL, request), mfa), update_first


def undo_requests(before: Mapping[str, Any], pool_id: str) -> dict[str, dict[str, Any]]:
    """For each call, the request that puts back what ``before`` had."""
    return {
        MFA_CALL: mfa_request_from(before, pool_id),
        UPDATE_CALL: {"UserPoolId": pool_id, **_update_part(before)},
    }


Outcome = list[FieldChange] | GatewayError
Configuration = dict[str, Any]


def apply_in_order(
    before: Configuration,
    patches: Sequence[Mapping[str, Any]],
    apply: Callable[[Configuration, Mapping[str, Any]], Configuration],
    changes: Callable[[Configuration, Configuration], list[FieldChange]],
) -> tuple[Configuration, list[Outcome]]:
    """Each patch on the state the ones before it left (a later patch of the same field
    wins); an invalid one fails alone (its outcome is the error) and the others still
    apply. Every kind's batch planner runs its patches through this."""
    state = before
    outcomes: list[Outcome] = []
    for patch in patches:
        try:
            after = apply(state, patch)
        except GatewayError as error:
            outcomes.append(error)
            continue
        outcomes.append(changes(state, after))
        state = after
    return state, outcomes


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
    ``mfa_config``: a GetUserPoolMfaConfig answer, when ``current`` is a bare
    DescribeUserPool document (the reader already joins the two).
    """
    if mfa_config is not None:
        current = with_mfa(current, mfa_config)
    pool_id = str(current.get("Id", ""))
    before = dict(before) if before is not None else update_request_from(current)
    state, outcomes = apply_in_order(
        before, patches, lambda state, patch: apply_patch(state, patch, pool_id), diff
    )
    valid = [o for o in outcomes if not isinstance(o, GatewayError)]
    calls, intermediate = plan_calls(before, state, pool_id)
    preview = preview_pool(current, state)
    plan = UpdatePlan(
        request={"UserPoolId": pool_id, **state},
        # One valid patch: its own changes are the plan's changes.
        changes=valid[0] if len(valid) == 1 else diff(before, state),
        preview=preview,
        calls=calls,
        undo=undo_requests(before, pool_id),
        intermediate=intermediate,
        cautions=tuple(cautions_for(preview, _changed_members(before, state))),
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
    shape = model.create_shape()
    document = at(Argument.CREATE)
    check_values(dict(request), shape, document)
    check_required(dict(request), shape, document)
    check_reserved_tags(request.get("UserPoolTags"), at(Argument.CREATE, "UserPoolTags"))
    check_write({}, request, frozenset(request), Argument.CREATE, "")
    return dict(request)
