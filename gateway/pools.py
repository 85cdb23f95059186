"""PoolService: the one service layer GraphQL (and later gRPC) call.

Reads go through the single-flight cache; writes (see ``update``) are added by
the patch work. Resolvers stay thin: they translate arguments and call this.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from gateway.cache import SingleFlightCache
from gateway.cognito import CognitoClients, region_of
from gateway.errors import ErrorCode, GatewayError
from gateway.version import pool_version

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 60  # ListUserPools' maximum; a fixed size keeps cursors stable
MAX_FIRST = 60


@dataclass(frozen=True)
class PoolRecord:
    """A DescribeUserPool document and its version."""

    pool: dict[str, Any]
    version: str

    @classmethod
    def of(cls, pool: dict[str, Any]) -> PoolRecord:
        return cls(pool=pool, version=pool_version(pool))


@dataclass(frozen=True)
class PoolPage:
    """One page of ListUserPools summaries with relay cursors."""

    summaries: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool = False
    start_cursor: str | None = field(default=None)
    end_cursor: str | None = field(default=None)


def encode_cursor(token: str | None, offset: int) -> str:
    raw = json.dumps({"t": token, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        token, offset = data["t"], int(data["o"])
        if (token is not None and not isinstance(token, str)) or offset < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise GatewayError(
            "after: not a cursor this API returned", ErrorCode.BAD_USER_INPUT, field="after"
        ) from None
    return token, offset


class PoolService:
    def __init__(
        self,
        clients: CognitoClients,
        cache: SingleFlightCache[PoolRecord],
        default_region: str,
        describe_concurrency: int = 4,
    ) -> None:
        self._clients = clients
        self._cache = cache
        self._default_region = default_region
        self._describe_slots = asyncio.Semaphore(describe_concurrency)

    async def describe(self, pool_id: str) -> PoolRecord:
        """A fresh DescribeUserPool, bypassing the cache (writes use this)."""
        region = region_of(pool_id)
        async with self._describe_slots:
            response = await self._clients.call(region, "DescribeUserPool", UserPoolId=pool_id)
        return PoolRecord.of(response["UserPool"])

    async def get(self, pool_id: str) -> PoolRecord:
        """The pool through the cache; concurrent misses make one upstream call."""
        region_of(pool_id)
        return await self._cache.get_or_load(pool_id, lambda: self.describe(pool_id))

    async def list(self, first: int = 20, after: str | None = None) -> PoolPage:
        if not 1 <= first <= MAX_FIRST:
            raise GatewayError(
                f"first: must be between 1 and {MAX_FIRST}, got {first}",
                ErrorCode.BAD_USER_INPUT,
                field="first",
                rule="range",
            )
        token, offset = decode_cursor(after) if after else (None, 0)
        summaries: list[dict[str, Any]] = []
        cursors: list[str] = []
        has_next = False
        while True:
            params: dict[str, Any] = {"MaxResults": LIST_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            response = await self._clients.call(self._default_region, "ListUserPools", **params)
            page = response.get("UserPools", [])
            next_token = response.get("NextToken")
            for index in range(offset, len(page)):
                summaries.append(page[index])
                cursors.append(encode_cursor(token, index + 1))
                if len(summaries) == first:
                    has_next = index + 1 < len(page) or bool(next_token)
                    break
            if len(summaries) == first or not next_token:
                break
            token, offset = next_token, 0
        return PoolPage(
            summaries=summaries,
            cursors=cursors,
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )

    async def invalidate(self, pool_id: str) -> None:
        await self._cache.delete(pool_id)
