"""PoolService: the one protocol-neutral service every surface calls.

GraphQL, gRPC and plain HTTP only translate arguments and render results.
Everything a second surface would otherwise copy lives here: who may do what
(scopes, pool allow-lists, admin-only members, which pools a listing shows),
the audit event of every write, the record of which pool states an answer
read (``reads``), the describe fan-out of listings, and the error vocabulary
(``gateway.errors``, paths as botocore tuples).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway import model
from gateway.cognito.clients import Cognito
from gateway.core.configuration import replacing_patch
from gateway.core.diff import diff
from gateway.core.kinds import USER_POOL
from gateway.core.merge import get_path, patched_paths
from gateway.core.mfa import MFA_MEMBER, mfa_request_from, with_mfa
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.planner import plan_create
from gateway.core.record import PoolRecord
from gateway.core.rules import writable_path_creating
from gateway.errors import Argument, GatewayError, Path
from gateway.service.access import (
    READ,
    WRITE,
    Principal,
    require,
    require_create,
    require_members,
)
from gateway.service.audit import Auditor
from gateway.service.history import Author, HistoryRecorder
from gateway.service.listing import RawPage, list_page
from gateway.service.outcomes import Submission, UpdateResult
from gateway.service.public import PublicSettingsReader
from gateway.service.reads import PoolReader
from gateway.service.requests import WriteRequest
from gateway.service.writes import PoolWriter


@dataclass(frozen=True)
class ListedPool:
    """One pool of a listing: its ListUserPools summary, its cursor, and, when the
    caller asked for more than the summary, the described pool."""

    summary: dict[str, Any]
    cursor: str
    record: PoolRecord | None = None


@dataclass(frozen=True)
class PoolPage:
    """One page of pools the caller may see, with relay-style paging."""

    pools: list[ListedPool]
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


class PoolService:
    kind = USER_POOL

    def __init__(
        self,
        clients: Cognito,
        reader: PoolReader,
        writer: PoolWriter,
        *,
        default_region: str,
        auditor: Auditor,
        admin_only: frozenset[str],
        public: PublicSettingsReader,
        history: HistoryRecorder | None = None,
    ) -> None:
        self.public = public
        self.history = history
        self._clients = clients
        self._reader = reader
        self.writer = writer
        self._default_region = default_region
        self._auditor = auditor
        self._admin_only = admin_only

    async def current_tag(self, pool_id: str) -> str | None:
        """The pool's entity tag as the cache knows it (for answer caches); None if unknown."""
        try:
            return (await self._reader.get(pool_id)).document_tag
        except GatewayError:
            return None

    async def get(self, principal: Principal, pool_id: str) -> PoolRecord:
        require(principal, READ, pool_id)
        return await self._reader.get(pool_id)

    async def get_key(self, principal: Principal, key: str) -> PoolRecord:
        """A pool by its key: its id."""
        return await self.get(principal, key)

    async def list(
        self,
        principal: Principal,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        describe: bool = False,
    ) -> PoolPage:
        """A page of the default Region's pools that ``principal`` may see.

        ``describe``: the caller wants more than the ListUserPools summary, so
        every listed pool is read (through the cache, a few at a time).
        """
        require(principal, READ)
        raw = await self._list_page(page_size, page_token)
        visible = [
            (summary, cursor)
            for summary, cursor in zip(raw.summaries, raw.cursors, strict=True)
            if principal.may_access(summary["Id"])
        ]
        records: list[PoolRecord | None] = [None] * len(visible)
        if describe:
            records = list(
                await asyncio.gather(
                    *(self._reader.get(s["Id"], background=True) for s, _ in visible)
                )
            )
        pools = [
            ListedPool(summary, cursor, record)
            for (summary, cursor), record in zip(visible, records, strict=True)
        ]
        return PoolPage(
            pools=pools,
            has_next_page=raw.has_next_page,
            has_previous_page=page_token is not None,
            start_cursor=raw.cursors[0] if raw.cursors else None,
            end_cursor=raw.cursors[-1] if raw.cursors else None,
        )

    async def _list_page(self, page_size: int, page_token: str | None) -> RawPage:
        return await list_page(
            self._clients, self._default_region, "ListUserPools", "UserPools", page_size,
            page_token,
        )  # fmt: skip

    async def update(
        self,
        request: WriteRequest,
        pool_id: str,
        patch: dict[str, Any],
        replace: Sequence[Path] = (),
    ) -> UpdateResult:
        """Patch a pool (botocore-shaped; ``None`` clears) as ``request`` asks, audited.
        ``replace``: maps the patch holds whole, to replace (keys it lacks are deleted)
        rather than merge; computed against the pool read under its lock."""
        towards = replacing(patch, replace) if replace else None
        submission = Submission(
            patch=None if towards else patch,
            towards=towards,
            author=request.author,
            confirmed=request.confirm_high_risk,
        )
        return await self.submit(request, pool_id, submission, patch)

    async def submit(
        self,
        request: WriteRequest,
        pool_id: str,
        submission: Submission,
        requested: dict[str, Any],
    ) -> UpdateResult:
        """Write ``submission`` as ``request`` asks, audited. ``requested``: the patch as
        the caller asked for it (a restore's or copy's as planned from the cached pool),
        for the admin-only check and the audit; a computed patch checks itself again
        under the lock."""
        principal = request.principal
        shape = model.configuration_shape()
        paths = [path for path, _ in patched_paths(requested, shape)]
        dry_run = request.dry_run
        with self._auditor.attempt("UpdateUserPool", principal, pool_id, dry_run, paths) as event:
            event.note = request.note
            require(principal, WRITE, pool_id)
            require_members(principal, requested, self._admin_only, Argument.UPDATE)
            result = await self.writer.update(pool_id, submission, request.if_version, dry_run)
            event.changes = result.changes
            if not result.confirmed:
                event.note = "written; reading the pool back failed, the answer shows the plan"
        return result

    def require_members(self, principal: Principal, patch: dict[str, Any]) -> None:
        """Admin-only members in ``patch`` need ``pools:admin`` (for computed patches)."""
        require_members(principal, patch, self._admin_only, Argument.UPDATE)

    async def create(self, principal: Principal, request: dict[str, Any]) -> PoolRecord:
        """CreateUserPool in the default Region, checked before anything is sent, audited."""
        shape = model.create_shape()
        requested = [path for path, _ in patched_paths(request, shape)]
        with self._auditor.attempt("CreateUserPool", principal, None, False, requested) as event:
            require_create(principal, self._default_region)
            require_members(principal, request, self._admin_only, Argument.CREATE)
            checked = plan_create(request)
            record = await self._create(checked)
            event.pool = str(record.pool.get("Id"))
        await self._reader.remember(record)
        if self.history is not None:
            await self.history.created(record, diff({}, record.request), author_of(principal))
        return record

    async def describe_fresh(self, pool_id: str) -> PoolRecord:
        """The pool as Cognito has it now (no cache): the history's sweeper resolving a
        write whose outcome was unknown."""
        return await self._reader.describe(pool_id)

    async def _create(self, request: dict[str, Any]) -> PoolRecord:
        """CreateUserPool, then SetUserPoolMfaConfig when the request carries an MFA setup
        (CreateUserPool takes only the mode). If that second call fails, the pool exists:
        the error says so and names it, so nobody creates it twice."""
        region = self._default_region
        created_members = model.input_shape("CreateUserPool").members
        setup = {k: v for k, v in request.items() if k in model.mfa_members()}
        response = await self._clients.call(
            region, "CreateUserPool", **{k: v for k, v in request.items() if k in created_members}
        )
        pool = response["UserPool"]
        answer = {MFA_MEMBER: pool.get(MFA_MEMBER) or "OFF"}
        if setup:
            mfa = mfa_request_from({**answer, **setup}, str(pool["Id"]))
            try:
                answer = await self._clients.call(region, "SetUserPoolMfaConfig", **mfa)
            except GatewayError as error:
                raise GatewayError(
                    f"pool {pool['Id']} was created, but its MFA setup was not applied: "
                    f"{error.message}. Patch it, or delete the pool",
                    error.code,
                    upstream=error.upstream,
                ) from error
        return PoolRecord.of(with_mfa(pool, answer))


def replacing(
    patch: dict[str, Any], maps: Sequence[Path]
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A patch computed from the fresh configuration: ``patch``, with each of ``maps``
    turned into the patch that makes the pool's map equal to it."""
    shape = model.configuration_shape()

    def towards(configuration: Mapping[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(patch)
        for path in maps:
            wanted = get_path(patch, path)
            current = get_path(configuration, path)
            value = replacing_patch(current, wanted, model.shape_at(shape, path))
            writable_path_creating(result, path[:-1])[path[-1]] = value
        return result

    return towards


def author_of(principal: Principal) -> Author:
    """Who the history names for a write of ``principal`` in the current request."""
    return WriteRequest.of(principal).author
