"""Pure planning for app clients: (described client, patches) -> one UpdateUserPoolClient.

The same shape of plan as a pool's (``planner.UpdatePlan``/``BatchPlan``), so the
writer, the history and the surfaces take either. A client has one writing call
and no second one to order, so there is nothing between calls to undo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway import model
from gateway.core.client_rules import (
    check_client,
    client_request_from,
    drop_empty,
    with_units,
)
from gateway.core.diff import diff
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.merge import merge
from gateway.core.planner import BatchPlan, UpdatePlan, apply_in_order
from gateway.core.validation import at, check_required, check_values
from gateway.errors import Argument, GatewayError, invalid

KIND = USER_POOL_CLIENT


def check_patch_members(patch: Mapping[str, Any], argument: Argument) -> None:
    """A patch names only what an update writes (not the ids, the secret, the dates)."""
    for member in patch:
        if member not in KIND.writable_members:
            raise invalid(
                f"{member} cannot be written by {KIND.update}", at(argument, member), "read-only"
            )


def apply_client_patch(
    state: Mapping[str, Any], patch: Mapping[str, Any], has_secret: bool
) -> dict[str, Any]:
    """One patch on a normalized client configuration: validate, merge, normalize,
    cross-check."""
    shape = KIND.update_shape
    check_patch_members(patch, Argument.UPDATE_CLIENT)
    check_values(dict(patch), shape, at(Argument.UPDATE_CLIENT))
    touched = frozenset(patch)
    after = with_units(drop_empty(merge(state, patch, shape), touched))
    for member in touched:
        check_required(after.get(member), shape.members[member], at(Argument.UPDATE_CLIENT, member))
    check_client(after, Argument.UPDATE_CLIENT, has_secret, touched)
    return after


def preview_client(current: Mapping[str, Any], configuration: Mapping[str, Any]) -> dict[str, Any]:
    """The DescribeUserPoolClient document ``configuration`` would produce."""
    kept = {k: v for k, v in current.items() if k not in KIND.writable_members}
    return {**kept, **configuration}


def plan_client_batch(
    current: Mapping[str, Any],
    patches: Sequence[Mapping[str, Any]],
    before: Mapping[str, Any] | None = None,
) -> BatchPlan:
    """Apply ``patches`` in order to a described client; an invalid patch fails alone."""
    ids = KIND.request_ids(*KIND.ids_of(dict(current)))
    has_secret = current.get("ClientSecret") is not None
    before = dict(before) if before is not None else client_request_from(current)
    state, outcomes = apply_in_order(
        before,
        patches,
        lambda state, patch: apply_client_patch(state, patch, has_secret),
        lambda old, new: diff(old, new, KIND),
    )
    valid = [o for o in outcomes if not isinstance(o, GatewayError)]
    request = {**ids, **state}
    changes = valid[0] if len(valid) == 1 else diff(before, state, KIND)
    plan = UpdatePlan(
        request=request,
        changes=changes,
        preview=preview_client(current, state),
        calls=((KIND.update, request),) if changes else (),
        undo={KIND.update: {**ids, **before}},
        identifiers=KIND.identifiers,
    )
    return BatchPlan(plan=plan, outcomes=outcomes)


def plan_client_create(request: Mapping[str, Any], pool_id: str) -> dict[str, Any]:
    """A CreateUserPoolClient request checked before anything is sent: the model's
    rules, then the service's (a validity without its unit gets the default one)."""
    shape = model.input_shape(KIND.create)
    document = at(Argument.CREATE_CLIENT)
    body = {**request, "UserPoolId": pool_id}
    check_values(body, shape, document)
    check_required(body, shape, document)
    body = with_units(drop_empty(body))
    if body.get("GenerateSecret") and body.get("ClientSecret") is not None:
        raise invalid(
            "cannot be given with generateSecret: the service generates the secret, or takes "
            "yours, not both",
            at(Argument.CREATE_CLIENT, "ClientSecret"),
            "one-secret",
        )
    has_secret = bool(body.get("GenerateSecret")) or body.get("ClientSecret") is not None
    check_client(body, Argument.CREATE_CLIENT, has_secret)
    return body
