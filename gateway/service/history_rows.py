"""The vocabulary of the history: who wrote a version, where it came from, and a change
as a row keeps it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gateway.core.configuration import redacted_change
from gateway.core.diff import FieldChange
from gateway.store.history import VersionRow


class VersionSource(StrEnum):
    GATEWAY = "GATEWAY"
    EXTERNAL = "EXTERNAL"


@dataclass(frozen=True)
class Author:
    """Who asked for a write: the principal (``kind:name``) and the request id."""

    principal: str | None = None
    request_id: str | None = None


def joined(authors: Sequence[Author]) -> Author:
    """The authors of one coalesced write, as one row names them."""
    principals = sorted({a.principal for a in authors if a.principal})
    request_ids = [a.request_id for a in authors if a.request_id]
    return Author(", ".join(principals) or None, ", ".join(request_ids) or None)


def stored_change(change: FieldChange, secret: frozenset[str]) -> dict[str, Any]:
    """A change as history keeps it: the botocore path as a list, secrets redacted."""
    shown = redacted_change(change, secret)
    return {"path": list(shown.path), "before": shown.before, "after": shown.after}


@dataclass(frozen=True)
class Newest:
    """The newest recorded row of a pool as last seen (``row`` None: no rows yet)."""

    row: VersionRow | None
