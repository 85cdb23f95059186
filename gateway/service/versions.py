"""What the history makes possible: list versions (each with its whole configuration),
restore one, compare two versions of a resource or two resources, copy settings from
one to another, export a pool for GitOps.

One ``VersionService`` per resource kind, over that kind's service (``Resources``:
``PoolService`` for pools, ``ClientService`` for app clients); resources are named
by their keys (``core/kinds``: a pool's id, ``<pool id>/clients/<client id>``).

Restore and copy are patches like any other: the patch is computed from the
pool's fresh configuration under its write lock (never from a stale read),
and goes through the same planner, checks, risk gate, audit and history as a
client's ``updateUserPool``. Compare and export read through the cache.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gateway import model
from gateway.core.configuration import (
    compare,
    copy_patch,
    default_copy_paths,
    redacted_change,
    replacing_patch,
)
from gateway.core.diff import FieldChange
from gateway.core.kinds import ResourceKind, pool_of
from gateway.core.paging import DEFAULT_PAGE_SIZE, decode_cursor, encode_cursor
from gateway.core.record import PoolRecord
from gateway.errors import Argument, ErrorCode, Field, GatewayError, Path, invalid
from gateway.service.access import ADMIN, READ, Principal, require, secret_members, visible_pool
from gateway.service.outcomes import Submission, UpdateResult
from gateway.service.requests import WriteRequest
from gateway.store.history import HistoryStore, VersionRow

MAX_VERSIONS_PAGE = 100


@dataclass(frozen=True)
class PoolVersion:
    version: str
    recorded_at: datetime.datetime
    source: str
    principal: str | None
    request_id: str | None
    changes: list[FieldChange]
    cursor: str
    configuration: dict[str, Any]  # the whole writable configuration, as the caller may see it


@dataclass(frozen=True)
class VersionPage:
    versions: list[PoolVersion]
    has_next_page: bool
    end_cursor: str | None


def _cursor(seq: int) -> str:
    """A position in a pool's history: the listing's cursor format, with no page token."""
    return encode_cursor(None, seq)


def _seq_of(cursor: str) -> int:
    token, seq = decode_cursor(cursor)
    if token is not None:  # a userPools cursor
        raise invalid(
            "not a cursor of this history; pass an endCursor as it was returned",
            Field(Argument.PAGE_TOKEN),
            "cursor",
        )
    return seq


class Resources(Protocol):
    """What the history needs of a kind's service: reads and writes by key, with the
    caller's access checked there."""

    kind: ResourceKind

    async def get_key(self, principal: Principal, key: str) -> PoolRecord: ...

    async def submit(
        self,
        request: WriteRequest,
        key: str,
        submission: Submission,
        requested: dict[str, Any],
    ) -> UpdateResult: ...

    def require_members(self, principal: Principal, patch: dict[str, Any]) -> None: ...


def _version(row: VersionRow, principal: Principal, kind: ResourceKind) -> PoolVersion:
    changes = [
        FieldChange(tuple(c["path"]), c["before"], c["after"], kind.name) for c in row.changes
    ]
    return PoolVersion(
        version=row.version,
        recorded_at=row.recorded_at,
        source=row.source,
        principal=row.principal,
        request_id=row.request_id,
        changes=changes,
        cursor=_cursor(row.seq),
        configuration=visible_pool(principal, row.configuration),
    )


class VersionService:
    def __init__(self, pools: Resources, store: HistoryStore) -> None:
        self._pools = pools
        self._store = store
        self.kind = pools.kind

    async def history(
        self,
        principal: Principal,
        pool_id: str,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> VersionPage:
        """The pool's recorded versions, newest first."""
        require(principal, READ, pool_of(pool_id))
        if not 1 <= first <= MAX_VERSIONS_PAGE:
            raise invalid(
                f"must be between 1 and {MAX_VERSIONS_PAGE}, got {first}",
                Field(Argument.PAGE_SIZE),
                "range",
            )
        before = _seq_of(after) if after else None
        rows = await self._store.page(pool_id, first + 1, before)
        versions = [_version(row, principal, self.kind) for row in rows[:first]]
        return VersionPage(
            versions=versions,
            has_next_page=len(rows) > first,
            end_cursor=versions[-1].cursor if versions else None,
        )

    async def restore(self, request: WriteRequest, pool_id: str, version: str) -> UpdateResult:
        """Bring the pool back to a recorded version's configuration."""
        principal = request.principal
        current = await self._pools.get_key(principal, pool_id)  # checks access first
        row = await self._store.find(pool_id, version)
        if row is None:
            raise GatewayError(
                f"version {version[:64]} is not in the history",
                ErrorCode.NOT_FOUND,
                field=Field(Argument.VERSION),
            )
        target = row.configuration
        shape = self.kind.configuration_shape
        return await self._computed(
            request.noted(f"restore to version {version}"),
            pool_id,
            lambda configuration: replacing_patch(configuration, target, shape),
            current.request,
        )

    async def copy(
        self,
        request: WriteRequest,
        source_id: str,
        target_id: str,
        paths: Sequence[Path] | None = None,
    ) -> UpdateResult:
        """Make ``paths`` of ``target_id`` equal to ``source_id``'s (default: every writable
        setting except the name, tags and deletion protection)."""
        principal = request.principal
        kind = self.kind
        for index, path in enumerate(paths or ()):
            try:
                model.shape_at(kind.configuration_shape, path)
            except KeyError:
                raise invalid(
                    f"not a setting of {kind.name}Patch",
                    Field(Argument.PATHS, (str(index),)),
                    "known-path",
                ) from None
            if path[0] in kind.identifiers:
                raise invalid("ids are not copied", Field(Argument.PATHS, (str(index),)),
                              "known-path")  # fmt: skip
        source = (await self._pools.get_key(principal, source_id)).request
        current = await self._pools.get_key(principal, target_id)

        def towards(configuration: Mapping[str, Any]) -> dict[str, Any]:
            chosen = paths
            if chosen is None:
                chosen = default_copy_paths(source, configuration, kind)
            return copy_patch(configuration, source, chosen, kind)

        return await self._computed(
            request.noted(f"copy from {source_id}"), target_id, towards, current.request
        )

    async def _computed(
        self,
        request: WriteRequest,
        pool_id: str,
        towards: Callable[[Mapping[str, Any]], dict[str, Any]],
        cached: Mapping[str, Any],
    ) -> UpdateResult:
        def checked(configuration: Mapping[str, Any]) -> dict[str, Any]:
            patch: dict[str, Any] = towards(configuration)
            self._pools.require_members(request.principal, patch)
            return patch

        submission = Submission(
            towards=checked, author=request.author, confirmed=request.confirm_high_risk
        )
        return await self._pools.submit(request, pool_id, submission, towards(cached))

    async def compare(self, principal: Principal, left: str, right: str) -> list[FieldChange]:
        """What differs from ``left``'s configuration to ``right``'s; below admin, the
        values of secret members are hidden."""
        left_pool = await self._pools.get_key(principal, left)
        right_pool = await self._pools.get_key(principal, right)
        changes = compare(left_pool.request, right_pool.request, self.kind)
        if principal.may(ADMIN):
            return changes
        return [redacted_change(change, secret_members()) for change in changes]

    async def compare_versions(
        self, principal: Principal, pool_id: str, left: str, right: str
    ) -> list[FieldChange]:
        """What differs from one recorded version of a pool to another (either may be
        older); below admin, the values of secret members are hidden. The history keeps
        secrets redacted, so even admins see them only as redacted."""
        require(principal, READ, pool_of(pool_id))
        configurations = []
        for version, argument in ((left, Argument.LEFT), (right, Argument.RIGHT)):
            row = await self._store.find(pool_id, version)
            if row is None:
                raise GatewayError(
                    f"version {version[:64]} is not in the history",
                    ErrorCode.NOT_FOUND,
                    field=Field(argument),
                )
            configurations.append(row.configuration)
        changes = compare(configurations[0], configurations[1], self.kind)
        if principal.may(ADMIN):
            return changes
        return [redacted_change(change, secret_members()) for change in changes]

    async def export(self, principal: Principal, pool_id: str) -> dict[str, Any]:
        """The pool's writable configuration (a patch of every setting, ``PoolName``
        included), ready to ``createUserPool`` from or to keep in Git; secret members
        only for admins."""
        record = await self._pools.get_key(principal, pool_id)
        return visible_pool(principal, record.request)
