"""The history store: every recorded configuration of every pool, in SQL.

SQLAlchemy 2 (async): SQLite through aiosqlite for one replica, PostgreSQL
through asyncpg for a fleet. The schema is Alembic's (``store/migrations``),
applied by :func:`migrate` at startup.

Rows are numbered per pool (``seq``, part of the primary key). A row is only
ever appended *after* the row its writer read as the latest: two replicas that
both see version B as new both try to insert ``seq = n + 1``, and the database
lets exactly one of them in. That is how a fleet records one version per write
without a lock of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 7_406_001  # a PostgreSQL advisory lock id: one replica migrates at a time

metadata = sa.MetaData()
pool_versions = sa.Table(
    "pool_versions",
    metadata,
    sa.Column("pool_id", sa.String(256), primary_key=True),  # a resource key (core/kinds)
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("principal", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("configuration", sa.JSON, nullable=False),
    sa.Index("ix_pool_versions_version", "pool_id", "version"),
)


@dataclass(frozen=True)
class VersionRow:
    """One recorded configuration of a pool. ``changes``: what differs from the row
    before it, as ``{"path": [...], "before": ..., "after": ...}`` (secrets redacted)."""

    pool_id: str
    seq: int
    version: str
    recorded_at: datetime.datetime
    source: str
    principal: str | None
    request_id: str | None
    changes: list[dict[str, Any]]
    configuration: dict[str, Any]


def _row(mapping: Any) -> VersionRow:
    recorded_at = mapping["recorded_at"]
    if recorded_at.tzinfo is None:  # SQLite keeps no zone; we only ever store UTC
        recorded_at = recorded_at.replace(tzinfo=datetime.UTC)
    return VersionRow(**{**dict(mapping), "recorded_at": recorded_at})


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
    command.upgrade(alembic_config(connection), "head")


def _locked_file(path: str) -> int:
    """Open ``path`` and wait for its exclusive lock (another process migrating)."""
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _create_private(path: str) -> None:
    """Create the SQLite file for its owner only (0600, in a 0700 folder it creates):
    the history holds every configuration. SQLite gives its -wal and -shm files the
    database's mode. An existing file keeps the mode its owner gave it."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    """Write-ahead logging: readers never wait for the writer, and a commit appends to
    the log instead of syncing the database file (``synchronous=NORMAL``: a commit
    survives a crash of the process, the last ones may not survive a power loss)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_for(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # Replicas of one host may share the file: wait for its lock rather than fail.
        engine = create_async_engine(url, connect_args={"timeout": 15})
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def shown_url(url: str) -> str:
    """The URL as logs and messages may show it: no password."""
    return str(make_url(url).render_as_string(hide_password=True))


async def migrate_url(url: str) -> None:
    """Bring the history database at ``url`` to the newest schema (``gateway migrate``,
    and before ``serve`` starts). Raises :class:`HistoryUnavailable`."""
    store = HistoryStore.open(url)
    try:
        await store.migrate()
    finally:
        await store.close()


class HistoryUnavailable(Exception):
    """The history database cannot be reached or migrated; the message names the setting.
    ``unreachable``: nothing answered (down, restarting), as opposed to an answer that
    refuses (bad credentials, no such database), which no waiting will fix."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


# Driver errors that mean "nobody answered yet" (asyncpg's names; no import needed).
STARTING_UP = frozenset({"CannotConnectNowError", "ConnectionDoesNotExistError"})


def unreachable(cause: BaseException) -> bool:
    return isinstance(cause, OSError | TimeoutError) or type(cause).__name__ in STARTING_UP


class HistoryStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> HistoryStore:
        return cls(engine_for(url))

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision, one replica at a time: a
        PostgreSQL advisory lock, or for SQLite a lock file beside the database.
        Raises :class:`HistoryUnavailable`, whose message names the setting."""
        try:
            await self._migrate()
        except (OSError, sa.exc.SQLAlchemyError) as error:
            cause = getattr(error, "orig", None) or error
            first_line = (str(cause).splitlines() or [""])[0][:200]
            shown = self._engine.url.render_as_string(hide_password=True)
            raise HistoryUnavailable(
                f"GATEWAY_HISTORY_URL: cannot prepare the history database at {shown} "
                f"({type(cause).__name__}: {first_line})",
                # A SQLite file that cannot be made is a setting to fix, not an outage.
                unreachable=self._engine.dialect.name != "sqlite" and unreachable(cause),
            ) from error

    async def _migrate(self) -> None:
        database = self._engine.url.database
        if self._engine.dialect.name != "sqlite" or not database or database == ":memory:":
            async with self._engine.begin() as connection:
                await connection.run_sync(_upgrade)
            return
        await asyncio.to_thread(_create_private, database)
        lock = await asyncio.to_thread(_locked_file, f"{database}.migrate-lock")
        try:
            async with self._engine.begin() as connection:
                await connection.run_sync(_upgrade)
        finally:
            os.close(lock)  # releases the lock

    async def close(self) -> None:
        await self._engine.dispose()

    async def latest(self, pool_id: str) -> VersionRow | None:
        query = (
            sa.select(pool_versions)
            .where(pool_versions.c.pool_id == pool_id)
            .order_by(pool_versions.c.seq.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).mappings().first()
        return None if found is None else _row(found)

    async def append(self, row: VersionRow) -> bool:
        """Insert ``row`` (its ``seq`` is the latest seen + 1); False if another writer
        took that place first."""
        values = {**row.__dict__}
        try:
            async with self._engine.begin() as connection:
                await connection.execute(sa.insert(pool_versions).values(**values))
        except IntegrityError:
            return False
        return True

    async def page(self, pool_id: str, limit: int, before_seq: int | None) -> list[VersionRow]:
        """Up to ``limit`` rows, newest first, older than ``before_seq`` when given."""
        query = sa.select(pool_versions).where(pool_versions.c.pool_id == pool_id)
        if before_seq is not None:
            query = query.where(pool_versions.c.seq < before_seq)
        query = query.order_by(pool_versions.c.seq.desc()).limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_row(r) for r in rows]

    async def find(self, pool_id: str, version: str) -> VersionRow | None:
        """The newest row of ``pool_id`` at ``version``."""
        query = (
            sa.select(pool_versions)
            .where(pool_versions.c.pool_id == pool_id, pool_versions.c.version == version)
            .order_by(pool_versions.c.seq.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).mappings().first()
        return None if found is None else _row(found)
