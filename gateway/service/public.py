"""Public pool settings for sign-up and sign-in screens, without admin rights.

Allowed to principals with ``pools:public`` (implied by ``pools:read``) for their
pools, and to anyone for the pools matched by ``GATEWAY_PUBLIC_POOLS``. Unknown,
malformed and non-public pools all get the same ``NOT_FOUND``, which does not
echo the id. Every answer comes from the describe cache (single flight), so a
burst of page views of a cold pool makes one DescribeUserPool call; the MFA
factors (GetUserPoolMfaConfig, only when MFA is on) are cached per pool state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import orjson

from gateway.cognito.clients import CognitoClients
from gateway.core.ids import region_of
from gateway.core.public import as_json, public_settings, public_tag
from gateway.errors import ErrorCode, GatewayError
from gateway.service.access import PUBLIC, Principal
from gateway.service.reads import PoolReader

NOT_PUBLIC = "no public settings for this pool"


@dataclass(frozen=True)
class PublicView:
    projection: dict[str, Any]  # botocore-shaped, see gateway.core.public
    tag: str
    json: bytes  # the object in GraphQL's naming, with its version: what HTTP serves


VIEWS_KEPT = 1024


class PublicSettingsReader:
    def __init__(
        self,
        clients: CognitoClients,
        reader: PoolReader,
        public_pools: Sequence[str],
        ttl: float,
    ) -> None:
        self._clients = clients
        self._reader = reader
        self._public_pools = tuple(public_pools)
        self._ttl = ttl
        self._mfa: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._mfa_loads: dict[tuple[str, str], asyncio.Task[dict[str, Any]]] = {}
        self._views: dict[tuple[str, str, str], PublicView] = {}  # one per pool state

    def allowed(self, principal: Principal | None, pool_id: str) -> bool:
        if any(fnmatchcase(pool_id, pattern) for pattern in self._public_pools):
            return True
        return principal is not None and principal.may(PUBLIC) and principal.may_access(pool_id)

    async def get(self, principal: Principal | None, pool_id: str) -> PublicView:
        if not self.allowed(principal, pool_id):
            raise GatewayError(NOT_PUBLIC, ErrorCode.NOT_FOUND)
        try:
            record = await self._reader.get(pool_id)
        except GatewayError as error:
            if error.code in (ErrorCode.NOT_FOUND, ErrorCode.BAD_USER_INPUT):
                raise GatewayError(NOT_PUBLIC, ErrorCode.NOT_FOUND) from None
            raise
        mfa = None
        if (record.pool.get("MfaConfiguration") or "OFF") != "OFF":
            mfa = await self._mfa_config(pool_id, record.etag)
        key = (pool_id, record.etag, orjson.dumps(mfa, option=orjson.OPT_SORT_KEYS).decode())
        view = self._views.get(key)
        if view is None:
            projection = public_settings(record.pool, mfa)
            tag = public_tag(projection)
            body = orjson.dumps(as_json(projection) | {"version": tag})
            if len(self._views) >= VIEWS_KEPT:
                self._views.clear()
            view = self._views[key] = PublicView(projection, tag, body)
        return view

    async def _mfa_config(self, pool_id: str, etag: str) -> dict[str, Any]:
        key = (pool_id, etag)
        cached = self._mfa.get(key)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        task = self._mfa_loads.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load_mfa(key))
            self._mfa_loads[key] = task
        return await asyncio.shield(task)

    async def _load_mfa(self, key: tuple[str, str]) -> dict[str, Any]:
        try:
            answer = await self._clients.call(
                region_of(key[0]), "GetUserPoolMfaConfig", UserPoolId=key[0]
            )
            if len(self._mfa) > 4096:
                self._mfa.clear()
            self._mfa[key] = (time.monotonic(), answer)
            return answer
        finally:
            self._mfa_loads.pop(key, None)
