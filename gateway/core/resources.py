"""Each resource kind's round trip, wired once: how a described document becomes the
update request that keeps it (its version), and how patches become a plan.

``core/kinds`` declares a kind's operations and reads its shapes off the model;
this adds its rules. The writer, the reader, the cache and the history ask here,
by kind, and hold no rule of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.core.client_planner import plan_client_batch
from gateway.core.client_rules import client_request_from
from gateway.core.kinds import USER_POOL, USER_POOL_CLIENT, ResourceKind
from gateway.core.planner import BatchPlan, plan_batch
from gateway.core.rules import update_request_from

Document = Mapping[str, Any]
Planner = Callable[[Document, Sequence[Document], Document | None], BatchPlan]


@dataclass(frozen=True)
class RoundTrip:
    """``request_from``: a described document -> the update request (without its ids)
    that keeps it as it is; ``plan``: (described, patches, that request) -> the plan."""

    kind: ResourceKind
    request_from: Callable[[Document], dict[str, Any]]
    plan: Planner


def _plan_pool(
    current: Document, patches: Sequence[Document], before: Document | None
) -> BatchPlan:
    return plan_batch(current, patches, before=before)


ROUND_TRIPS = {
    USER_POOL.name: RoundTrip(USER_POOL, update_request_from, _plan_pool),
    USER_POOL_CLIENT.name: RoundTrip(USER_POOL_CLIENT, client_request_from, plan_client_batch),
}


def round_trip(kind: ResourceKind | str) -> RoundTrip:
    return ROUND_TRIPS[kind if isinstance(kind, str) else kind.name]
