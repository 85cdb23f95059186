"""Which role a pool plays in its Region: multi-Region replicas (ListUserPoolReplicas).

In a secondary Region only some settings of a replicated pool can change
(``core/constraints.py``: ``check_replica``). The gateway asks once per pool
and cache period, and only for writes that touch other settings. A lookup that
fails (no permission, an endpoint without the operation) counts as "not a
replica": the check only refuses early what Cognito would refuse anyway.
"""

from __future__ import annotations

import logging

from gateway.cognito.clients import Cognito
from gateway.core.clock import MONOTONIC, Clock
from gateway.core.ids import region_of
from gateway.core.lru import LRU
from gateway.errors import ErrorCode, GatewayError

log = logging.getLogger(__name__)

SECONDARY = "SECONDARY"
ROLES_KEPT = 4096


class ReplicaRoles:
    def __init__(self, clients: Cognito, ttl_seconds: float, clock: Clock = MONOTONIC) -> None:
        self._clients = clients
        self._clock = clock
        self._ttl = max(ttl_seconds, 1.0)
        self._roles: LRU[str, tuple[float, str | None]] = LRU(ROLES_KEPT)

    async def role(self, pool_id: str) -> str | None:
        """``PRIMARY``, ``SECONDARY`` or None (not replicated, or unknown) in the pool's Region."""
        cached = self._roles.get(pool_id)
        if cached is not None and self._clock() - cached[0] < self._ttl:
            return cached[1]
        region = region_of(pool_id)
        try:
            answer = await self._clients.call(region, "ListUserPoolReplicas", UserPoolId=pool_id)
        except GatewayError as error:
            if error.code in (ErrorCode.THROTTLED, ErrorCode.NOT_FOUND):
                raise
            log.info("replica roles unknown", extra={"pool": pool_id, "code": error.code.value})
            answer = {}
        here = [r for r in answer.get("UserPoolReplicas") or [] if r.get("RegionName") == region]
        role = str(here[0].get("Role")) if here else None
        self._roles.set(pool_id, (self._clock(), role))
        return role
