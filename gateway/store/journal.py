"""The history's journal (an outbox): what is to be recorded, kept where it survives the
history database being down and the replica dying.

A write puts an *intent* here before it calls Cognito (who asks, which request, the
version the plan leads to, the version it starts from). Once Cognito accepted the write,
the intent becomes the history row; if the database cannot take that row now, the entry
stays, marked ``written`` with the pool's actual configuration, and is replayed in order
when the database is back. An intent whose writer died is resolved by whoever next
observes the pool: the planned version found there is the dead writer's, not EXTERNAL.

Where entries live: Redis when the fleet has one (every replica sees every entry, so
another replica resolves a dead one's intents), else an append-only file of this
replica's own, in a folder beside the SQLite file or in ``GATEWAY_HISTORY_JOURNAL_DIR``
(a replica adopts the files of stopped ones). A Redis that does not answer falls back
to the file; a file that cannot be written (a full disk) keeps entries in memory until
it can.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

INTENT = "intent"  # planned; whether Cognito applied it is not known yet
WRITTEN = "written"  # Cognito accepted it; the history row is still to be appended


@dataclass(frozen=True)
class Entry:
    """One write to record. ``version``/``configuration``: the planned ones for an
    intent, the pool's actual ones once written. ``started_from``: the version (and
    configuration) the writer read under the lock, so a replay can first record what
    happened in between. Configurations are redacted before they get here."""

    id: str
    pool_id: str
    order: int  # taken under the pool's lock: the order writes happened in
    state: str
    version: str
    changes_to: str  # the version ``changes`` lead to (the planned one)
    principal: str | None
    request_id: str | None
    changes: list[dict[str, Any]]
    configuration: dict[str, Any]
    started_from: str | None = None
    started_configuration: dict[str, Any] | None = None
    created: float = field(default_factory=time.time)

    def as_written(self, version: str, configuration: dict[str, Any]) -> Entry:
        changed = {"state": WRITTEN, "version": version, "configuration": configuration}
        return Entry(**{**asdict(self), **changed})

    @classmethod
    def parse(cls, raw: str | bytes) -> Entry:
        return cls(**json.loads(raw))

    def dump(self) -> str:
        return json.dumps(asdict(self), default=str, separators=(",", ":"))


class Journal(Protocol):
    async def put(self, entry: Entry) -> None: ...
    async def remove(self, pool_id: str, entry_id: str) -> None: ...
    async def entries(self, pool_id: str) -> list[Entry]: ...
    async def pools(self) -> set[str]: ...
    async def close(self) -> None: ...
    def adopt(self) -> int: ...


def _ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.order, e.id))


class FileJournal:
    """This replica's entries in memory, mirrored by an append-only file of its own in
    the journal folder (``put`` and ``remove`` lines), locked (``flock``) for as long as
    the process lives. A file whose lock is free belongs to a process that is gone: the
    next replica to look (at start, and on every sweep) adopts its entries. Emptied, the
    own file is truncated.

    A line is written (not fsynced) before ``put`` returns: it survives the process being
    killed, not a power loss. A file that cannot be written (a full disk, a read-only
    volume) leaves the entry in memory only, and each later change retries the whole file.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._entries: dict[str, Entry] = {}
        self._behind = False  # the file misses something: rewrite it whole next time
        self._descriptor: int | None = None
        self.path: Path | None = None  # this process's own file, once open
        if folder is not None:
            self._open(folder)

    @classmethod
    def in_memory(cls) -> FileJournal:
        """No file: entries live as long as the process (tests, ``:memory:`` history)."""
        return cls(None)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
            descriptor = os.open(path, os.O_CREAT | os.O_RDWR | os.O_APPEND, 0o600)
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            self._fell_behind(error)
            return
        self._descriptor, self.path = descriptor, path
        self.adopt()

    def adopt(self) -> int:
        """Take over the entries of journal files whose process is gone; how many."""
        if self.folder is None or self._descriptor is None:
            return 0
        adopted = 0
        for other in sorted(self.folder.glob("*.jsonl")):
            if other == self.path:
                continue
            try:
                descriptor = os.open(other, os.O_RDWR)
            except OSError:
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # alive: its process holds the lock
                os.close(descriptor)
                continue
            try:
                found = _read(other)
                for entry in found.values():
                    self._entries[entry.id] = entry
                    self._append(entry.dump())
                other.unlink()
                adopted += len(found)
            finally:
                os.close(descriptor)
        if adopted:
            log.info(
                "history journal: adopted a stopped replica's entries",
                extra={"entries": adopted},
            )
        return adopted

    def _append(self, line: str) -> None:
        if self._descriptor is None:
            return
        if self._behind:
            self._rewrite()
            return
        try:
            os.write(self._descriptor, (line + "\n").encode())
        except OSError as error:
            self._fell_behind(error)

    def _rewrite(self) -> None:
        """The whole file anew from memory (after a failed write, or to empty it)."""
        if self._descriptor is None:
            return
        try:
            os.ftruncate(self._descriptor, 0)
            data = "".join(e.dump() + "\n" for e in self._entries.values()).encode()
            if data:
                os.write(self._descriptor, data)
            self._behind = False
        except OSError as error:
            self._fell_behind(error)

    def _fell_behind(self, error: OSError) -> None:
        if not self._behind:
            log.error(
                "history journal file cannot be written; entries are kept in memory until "
                "it can (a full disk or a read-only volume?)",
                extra={"folder": str(self.folder), "error": type(error).__name__},
            )
        self._behind = True

    # One small write() to the page cache: cheaper in the loop than a thread hop, and a
    # full disk answers at once (ENOSPC). ``_rewrite`` writes the whole backlog, rarely.

    async def put(self, entry: Entry) -> None:
        self._entries[entry.id] = entry
        self._append(entry.dump())

    async def remove(self, pool_id: str, entry_id: str) -> None:
        if self._entries.pop(entry_id, None) is None:
            return
        if not self._entries:
            self._rewrite()  # truncate: nothing left to replay
        else:
            self._append(json.dumps({"remove": entry_id}))

    async def entries(self, pool_id: str) -> list[Entry]:
        return _ordered(e for e in self._entries.values() if e.pool_id == pool_id)

    async def pools(self) -> set[str]:
        return {e.pool_id for e in self._entries.values()}

    async def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # releases the lock: another replica may adopt it
            self._descriptor = None


def _read(path: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError, TypeError):
                op = json.loads(line)
                if op.get("remove"):
                    entries.pop(op["remove"], None)
                else:
                    entry = Entry(**op)
                    entries[entry.id] = entry
    return entries


def _key(pool_id: str) -> str:
    return f"gateway:history:journal:{pool_id}"


POOLS_KEY = "gateway:history:journal-pools"


class RedisJournal:
    """Entries every replica sees: a hash per pool and a set of the pools that have any.
    When Redis does not answer, entries go to (and are read from) the file as well."""

    def __init__(self, client: redis.Redis, fallback: FileJournal) -> None:
        self._client = client
        self._fallback = fallback

    async def put(self, entry: Entry) -> None:
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(_key(entry.pool_id), entry.id, entry.dump())
                pipe.sadd(POOLS_KEY, entry.pool_id)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning(
                "history journal: Redis failed, using the file",
                extra={"error": type(error).__name__},
            )
            await self._fallback.put(entry)

    async def remove(self, pool_id: str, entry_id: str) -> None:
        await self._fallback.remove(pool_id, entry_id)
        with contextlib.suppress(RedisError, OSError):
            await self._client.hdel(_key(pool_id), entry_id)
            if not await self._client.hlen(_key(pool_id)):
                await self._client.srem(POOLS_KEY, pool_id)

    async def entries(self, pool_id: str) -> list[Entry]:
        found = {e.id: e for e in await self._fallback.entries(pool_id)}
        with contextlib.suppress(RedisError, OSError):
            for raw in (await self._client.hgetall(_key(pool_id))).values():
                with contextlib.suppress(ValueError, TypeError):
                    entry = Entry.parse(raw)
                    found[entry.id] = entry
        return _ordered(found.values())

    async def pools(self) -> set[str]:
        found = await self._fallback.pools()
        with contextlib.suppress(RedisError, OSError):
            members = await self._client.smembers(POOLS_KEY)
            found |= {p.decode() if isinstance(p, bytes) else str(p) for p in members}
        return found

    def adopt(self) -> int:
        return self._fallback.adopt()

    async def close(self) -> None:
        await self._fallback.close()
