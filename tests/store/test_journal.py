"""The history journal's file: it outlives its process, another replica adopts it, and a
disk that refuses writes (ENOSPC from /dev/full) loses nothing once it takes them again."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.store.journal import INTENT, WRITTEN, Entry, FileJournal


def entry(number: int, state: str = INTENT) -> Entry:
    return Entry(
        id=f"e{number}", pool_id="eu-west-1_Journal", order=number, state=state,
        version=f"v{number}", changes_to=f"v{number}", principal="api-key:ci",
        request_id=f"req-{number}", changes=[], configuration={"PoolName": f"p{number}"},
    )  # fmt: skip


async def test_a_stopped_replicas_entries_are_adopted_in_order(tmp_path: Path) -> None:
    first = FileJournal(tmp_path)
    for number in (2, 1, 3):
        await first.put(entry(number))
    await first.put(entry(2).as_written("v2", {"PoolName": "p2"}))
    await first.remove("eu-west-1_Journal", "e3")
    alive = FileJournal(tmp_path)
    assert await alive.entries("eu-west-1_Journal") == []  # its owner still runs
    await first.close()  # the process is gone
    assert alive.adopt() == 2
    adopted = await alive.entries("eu-west-1_Journal")
    assert [(e.id, e.state) for e in adopted] == [("e1", INTENT), ("e2", WRITTEN)]
    assert len(list(tmp_path.glob("*.jsonl"))) == 1  # the stopped one's file is gone
    await alive.close()


async def test_a_full_disk_keeps_entries_until_it_takes_them(tmp_path: Path) -> None:
    journal = FileJournal(tmp_path)
    own = journal._descriptor
    journal._descriptor = os.open("/dev/full", os.O_WRONLY)  # every write: ENOSPC
    await journal.put(entry(1))
    await journal.put(entry(2))
    assert [e.id for e in await journal.entries("eu-west-1_Journal")] == ["e1", "e2"]
    os.close(journal._descriptor)
    journal._descriptor = own  # space again
    await journal.put(entry(3))  # the whole file is written anew
    await journal.close()
    reader = FileJournal(tmp_path)
    assert [e.id for e in await reader.entries("eu-west-1_Journal")] == ["e1", "e2", "e3"]
    await reader.close()
