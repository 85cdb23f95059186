"""ClientService: a pool's app clients, with the pool's promise.

The same write path as a pool's (``PoolWriter`` over the client kind: lock,
fencing, coalescing, retries, cache, history, risk, dry run, ``ifVersion``), and
the same rules of access: a client belongs to its pool, so the pool's scopes and
allow-lists decide; ``ClientSecret`` is shown to ``pools:admin`` only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from gateway.cognito.clients import Cognito
from gateway.core.client_planner import plan_client_create
from gateway.core.client_rules import unknown_attributes
from gateway.core.diff import diff
from gateway.core.ids import check_client_id, region_of
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.merge import patched_paths
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord
from gateway.errors import Argument, Field, GatewayError, Path
from gateway.service.access import (
    ADMIN,
    READ,
    WRITE,
    Principal,
    require,
    visible_pool,
)
from gateway.service.audit import Auditor
from gateway.service.frontend import FrontendConfigReader
from gateway.service.history import HistoryRecorder
from gateway.service.listing import list_page
from gateway.service.outcomes import Submission, UpdateResult
from gateway.service.pools import author_of
from gateway.service.reads import PoolReader, record_listing
from gateway.service.requests import WriteRequest
from gateway.service.writes import PoolWriter

KIND = USER_POOL_CLIENT
ATTRIBUTE_MEMBERS = ("ReadAttributes", "WriteAttributes")


@dataclass(frozen=True)
class ListedClient:
    summary: dict[str, Any]  # ClientId, ClientName, UserPoolId
    cursor: str


@dataclass(frozen=True)
class ClientPage:
    clients: list[ListedClient]
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@contextlib.contextmanager
def naming_the_parent() -> Iterator[None]:
    """An error about the pool of a client names the client's ``parent`` argument."""
    try:
        yield
    except GatewayError as error:
        if error.field is not None and error.field.argument == Argument.POOL_ID:
            error.field = Field(Argument.PARENT, error.field.path)
        raise


def client_key(pool_id: str, client_id: str) -> str:
    """The client's key, its ids checked first (a bad id names its argument)."""
    with naming_the_parent():
        region_of(pool_id)
    return KIND.key(pool_id, check_client_id(client_id))


def visible_client(principal: Principal, record: PoolRecord) -> PoolRecord:
    """The client as ``principal`` may read it: below ``pools:admin``, without its secret
    nor its analytics role's ``ExternalId`` (a confused-deputy guard, as the pool's)."""
    if principal.may(ADMIN):
        return record
    return replace(record, pool=visible_pool(principal, record.pool))


class ClientService:
    kind = KIND

    def __init__(
        self,
        clients: Cognito,
        reader: PoolReader,
        writer: PoolWriter,
        pools: PoolReader,
        *,
        auditor: Auditor,
        frontend: FrontendConfigReader,
        history: HistoryRecorder | None = None,
    ) -> None:
        assert reader.kind is KIND and writer.kind is KIND
        self.frontend = frontend
        self._clients = clients
        self._reader = reader
        self.writer = writer
        self._pools = pools
        self._auditor = auditor
        self.history = history

    async def get(self, principal: Principal, pool_id: str, client_id: str) -> PoolRecord:
        key = client_key(pool_id, client_id)
        with naming_the_parent():
            require(principal, READ, pool_id)
        return visible_client(principal, await self._reader.get(key))

    async def get_key(self, principal: Principal, key: str) -> PoolRecord:
        """A client by its key (``<pool id>/clients/<client id>``)."""
        pool_id, client_id = KIND.ids_in(key)
        return await self.get(principal, pool_id, client_id)

    def require_members(self, principal: Principal, patch: dict[str, Any]) -> None:
        """No client member is admin-only to write (``GATEWAY_SENSITIVE_MEMBERS`` names
        pool members); the secret is not writable at all."""

    async def current_tag(self, key: str) -> str | None:
        """The client's document tag as the cache knows it; None if unknown."""
        try:
            return (await self._reader.get(key)).document_tag
        except GatewayError:
            return None

    async def list(
        self,
        principal: Principal,
        pool_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
    ) -> ClientPage:
        """A page of the pool's app clients (ListUserPoolClients: ids and names)."""
        with naming_the_parent():
            region = region_of(pool_id)
            require(principal, READ, pool_id)
        raw = await list_page(
            self._clients, region, KIND.list, "UserPoolClients", page_size, page_token,
            UserPoolId=pool_id,
        )  # fmt: skip
        record_listing()
        return ClientPage(
            clients=[ListedClient(s, c) for s, c in zip(raw.summaries, raw.cursors, strict=True)],
            has_next_page=raw.has_next_page,
            has_previous_page=page_token is not None,
            start_cursor=raw.cursors[0] if raw.cursors else None,
            end_cursor=raw.cursors[-1] if raw.cursors else None,
        )

    async def update(
        self, request: WriteRequest, pool_id: str, client_id: str, patch: dict[str, Any]
    ) -> UpdateResult:
        """Patch an app client (botocore-shaped; ``None`` clears), audited."""
        key = client_key(pool_id, client_id)
        submission = Submission(
            patch=patch, author=request.author, confirmed=request.confirm_high_risk
        )
        return await self.submit(request, key, submission, patch)

    async def submit(
        self, request: WriteRequest, key: str, submission: Submission, requested: dict[str, Any]
    ) -> UpdateResult:
        """Write ``submission`` to the client ``key`` names, audited; ``requested``: the
        patch as asked for (a restore's or copy's as planned from the cached client)."""
        pool_id, _ = KIND.ids_in(key)
        paths = [path for path, _ in patched_paths(requested, KIND.update_shape)]
        principal = request.principal
        with self._auditor.attempt(KIND.update, principal, key, request.dry_run, paths) as event:
            event.note = request.note
            with naming_the_parent():
                require(principal, WRITE, pool_id)
            if any(requested.get(member) for member in ATTRIBUTE_MEMBERS):
                await self._check_attributes(pool_id, requested, Argument.UPDATE_CLIENT)
            result = await self.writer.update(key, submission, request.if_version, request.dry_run)
            event.changes = result.changes
        return replace(result, record=visible_client(principal, result.record))

    async def create(
        self, principal: Principal, pool_id: str, request: dict[str, Any]
    ) -> PoolRecord:
        """CreateUserPoolClient, checked before anything is sent, audited, recorded."""
        with naming_the_parent():
            region = region_of(pool_id)
        paths: list[Path] = [(member,) for member in request]
        with self._auditor.attempt(KIND.create, principal, pool_id, False, paths) as event:
            with naming_the_parent():
                require(principal, WRITE, pool_id)
            body = plan_client_create(request, pool_id)
            await self._check_attributes(pool_id, body, Argument.CREATE_CLIENT)
            answer = await self._clients.call(region, KIND.create, **body)
            record = PoolRecord.of(answer[KIND.answer_member], KIND)
            event.pool = record.key
            event.changes = diff({}, record.request, KIND)
        await self._reader.remember(record)
        if self.history is not None:
            changes = diff({}, record.request, KIND)
            await self.history.created(record, changes, author_of(principal))
        return visible_client(principal, record)

    async def describe_fresh(self, key: str) -> PoolRecord:
        return await self._reader.describe(key)

    async def _check_attributes(
        self, pool_id: str, document: dict[str, Any], argument: Argument
    ) -> None:
        """Read and write attributes name attributes the pool has (custom attributes
        can be added to a pool but never removed, so the cached pool is enough)."""
        if not any(document.get(member) for member in ATTRIBUTE_MEMBERS):
            return
        pool = (await self._pools.get(pool_id)).pool
        known = {str(a.get("Name")) for a in pool.get("SchemaAttributes") or ()}
        unknown_attributes(document, known, argument)
