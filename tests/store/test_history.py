"""The history store on SQLite and PostgreSQL, and the recorder's rules for who may
append: one row per place in a pool's sequence, and no EXTERNAL row while a writer
holds the pool's lock."""

from __future__ import annotations

import asyncio
import datetime
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.core.diff import diff
from gateway.core.record import PoolRecord
from gateway.service.history import Author, HistoryRecorder
from gateway.store.history import HistoryStore, VersionRow, migrate_url
from gateway.store.locks import LocalLocks

POOL = "eu-west-1_History"


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[HistoryStore]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").new_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'history.db'}"
    opened = HistoryStore.open(url)
    await asyncio.gather(opened.migrate(), opened.migrate())  # replicas starting together
    yield opened
    await opened.close()


def row(seq: int, version: str) -> VersionRow:
    return VersionRow(
        pool_id=POOL,
        seq=seq,
        version=version,
        recorded_at=datetime.datetime.now(datetime.UTC),
        source="GATEWAY",
        principal="api-key:ci",
        request_id=None,
        changes=[],
        configuration={"PoolName": version},
    )


def record(name: str, **members: Any) -> PoolRecord:
    return PoolRecord.of({"Id": POOL, "Name": name, **members})


async def write(
    recorder: HistoryRecorder, start: PoolRecord, after: PoolRecord, author: Author
) -> None:
    """A gateway write from ``start`` to ``after``, as the writer records it: the intent
    before calling Cognito, the row once it accepted."""
    changes = diff(start.request, after.request)
    intent = await recorder.intend(start, after.request, changes, [author])
    await recorder.written(after, intent, None)


async def test_two_writers_cannot_take_the_same_place(store: HistoryStore) -> None:
    results = await asyncio.gather(*(store.append(row(1, f"v{i}")) for i in range(4)))
    assert sorted(results) == [False, False, False, True]
    latest = await store.latest(POOL)
    assert latest is not None and latest.seq == 1
    assert latest.recorded_at.tzinfo is not None


async def test_pages_are_newest_first_and_find_takes_the_newest(store: HistoryStore) -> None:
    for seq, version in enumerate(["a", "b", "a", "c"], start=1):
        assert await store.append(row(seq, version))
    assert [r.seq for r in await store.page(POOL, 2, None)] == [4, 3]
    assert [r.seq for r in await store.page(POOL, 10, 3)] == [2, 1]
    found = await store.find(POOL, "a")
    assert found is not None and found.seq == 3
    assert await store.find(POOL, "zzz") is None


async def test_no_external_version_while_a_writer_holds_the_lock(store: HistoryStore) -> None:
    """A read that sees a gateway write land before the writer recorded it must not call
    it an outside change: the writer records it, as GATEWAY."""
    locks = LocalLocks()
    recorder = HistoryRecorder(store, locks, frozenset({"ExternalId"}))
    before, after = record("before"), record("after")

    async def describe_before() -> PoolRecord:
        return before

    async def describe_after() -> PoolRecord:
        return after

    await recorder.loaded(POOL, describe_before)
    async with locks.hold(POOL):
        await recorder.loaded(POOL, describe_after)  # the write has landed, not recorded
        latest = await store.latest(POOL)
        assert latest is not None and latest.version == before.version
        await write(recorder, before, after, Author("api-key:ci", "req-1"))
    rows = await store.page(POOL, 10, None)
    assert [(r.source, r.version) for r in rows] == [
        ("GATEWAY", after.version),
        ("EXTERNAL", before.version),
    ]
    assert rows[0].principal == "api-key:ci" and rows[0].request_id == "req-1"


@pytest.mark.parametrize("sole_writer", [False, True])
async def test_a_read_that_raced_a_newer_row_records_nothing(
    store: HistoryStore, sole_writer: bool
) -> None:
    """The reader appends after the row it saw *before* describing; if a row was added
    meanwhile, its insert is refused rather than misplacing an old state on top (also
    when one replica remembers the newest rows instead of reading them)."""
    recorder = HistoryRecorder(store, LocalLocks(), frozenset(), sole_writer=sole_writer)
    old, new = record("old"), record("new")

    async def slow_describe() -> PoolRecord:
        await write(recorder, new, new, Author("api-key:ci"))  # lands while we describe
        return old

    await recorder.loaded(POOL, slow_describe)
    assert [r.version for r in await store.page(POOL, 10, None)] == [new.version]


async def test_secrets_are_stored_redacted(store: HistoryStore) -> None:
    recorder = HistoryRecorder(store, LocalLocks(), frozenset({"ExternalId"}))
    sms = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "s3cret"}
    pool = record("pool", SmsConfiguration=sms)

    async def describe() -> PoolRecord:
        return pool

    assert (await recorder.seen_locked(POOL, describe))[0] is pool
    latest = await store.latest(POOL)
    assert latest is not None
    assert latest.configuration["SmsConfiguration"]["ExternalId"] == "[REDACTED]"
    assert "s3cret" not in repr(latest)


async def test_a_history_outage_never_fails_the_read(tmp_path: Path) -> None:
    broken = HistoryStore.open(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'h.db'}")
    recorder = HistoryRecorder(broken, LocalLocks(), frozenset())
    pool = record("pool")

    async def describe() -> PoolRecord:
        return pool

    assert await recorder.loaded(POOL, describe) is pool
    await write(recorder, pool, pool, Author())  # logged, counted and journaled, not raised
    assert [e.version for e in await recorder.journal.entries(POOL)] == [pool.version]
    await broken.close()


async def test_the_sqlite_file_is_created_for_its_owner_only(tmp_path: Path) -> None:
    """It holds every configuration: 0600, in a 0700 folder of its own, whatever the umask."""
    folder = tmp_path / "gateway-data"
    database = folder / "history.db"
    await migrate_url(f"sqlite+aiosqlite:///{database}")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


async def test_writes_journaled_during_an_outage_are_replayed_in_order(tmp_path: Path) -> None:
    """A pool set back and forth while the database is away: one version twice, each row
    still its own author's, in the order the writes happened, with complete changes."""
    store = HistoryStore.open(f"sqlite+aiosqlite:///{tmp_path / 'later' / 'history.db'}")
    recorder = HistoryRecorder(store, LocalLocks(), frozenset(), ready=False)
    off, on = record("pool"), record("pool", DeletionProtection="ACTIVE")
    for number, (start, end) in enumerate([(off, on), (on, off), (off, on)], start=1):
        await write(recorder, start, end, Author("api-key:ci", f"req-{number}"))
    assert len(await recorder.journal.entries(POOL)) == 3

    async def describe(pool_id: str) -> PoolRecord:
        return on

    (tmp_path / "later").mkdir()  # the database is back
    assert await recorder.replay.sweep(describe, stale_after=60) == 3  # counted before
    rows = list(reversed(await store.page(POOL, 10, None)))
    assert [(r.source, r.version, r.request_id) for r in rows] == [
        ("EXTERNAL", off.version, None),
        ("GATEWAY", on.version, "req-1"),
        ("GATEWAY", off.version, "req-2"),
        ("GATEWAY", on.version, "req-3"),
    ]
    assert [[c["path"] for c in r.changes] for r in rows[1:]] == [[["DeletionProtection"]]] * 3
    assert await recorder.journal.entries(POOL) == []
    await store.close()
