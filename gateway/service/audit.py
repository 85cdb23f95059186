"""The audit trail: one JSON event per write attempt, secrets redacted.

Every ``UpdateUserPool`` / ``CreateUserPool`` attempt through any surface,
successful or not, dry run or not, writes one line: who, which pool, what
operation, which settings changed (before/after), the outcome and the request
id. Paths use botocore's names (``Policies.PasswordPolicy.MinimumLength``,
``UserPoolTags[env]``), the names of the AWS API and CloudTrail, whichever
surface the change came through. Values of members that are secrets
(``ExternalId`` by default, and any member the model marks sensitive) are
replaced by ``"[REDACTED]"``.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from gateway import model
from gateway.core.configuration import redacted_change
from gateway.core.diff import FieldChange
from gateway.errors import ErrorCode, Path, classify
from gateway.observability.context import request_id
from gateway.service.access import Principal


def redacted_members(extra: Iterable[str]) -> frozenset[str]:
    """Members to redact: the configured ones and those the model marks sensitive."""
    return frozenset(extra) | model.sensitive_members()


def audit_path(operation: str, path: Path) -> str:
    """A botocore path as the audit writes it: ``UserPoolTags[env]``."""
    return model.dotted(model.render_path(model.document_shape(operation), path))


def open_sink(spec: str) -> Callable[[str], None]:
    """``stdout``, ``stderr`` or ``file:<path>`` (appended, one line per event), or ``log``:
    through the logs, in their format and on their stream (the demo's choice)."""
    if spec == "log":
        return _through_logs
    lock = threading.Lock()
    stream: TextIO
    if spec == "stdout":
        stream = sys.stdout
    elif spec == "stderr":
        stream = sys.stderr
    elif spec.startswith("file:"):
        stream = open(spec[len("file:") :], "a", encoding="utf-8")  # noqa: SIM115 - process-long
    else:
        raise ValueError(
            f"GATEWAY_AUDIT_SINK: expected stdout, stderr, log or file:<path>, got {spec!r}"
        )

    def write(line: str) -> None:
        with lock:
            stream.write(line + "\n")
            stream.flush()

    return write


_AUDIT_LOG = logging.getLogger("gateway.audit")


def _through_logs(line: str) -> None:
    record = orjson.loads(line)
    record.pop("time", None)  # the log line has its own
    _AUDIT_LOG.info("audit", extra={k: v for k, v in record.items() if k != "type"})


def redact_change(
    change: FieldChange, redact: frozenset[str], operation: str = "UpdateUserPool"
) -> dict[str, Any]:
    """A change as the audit (and any log line) may show it: secret values redacted."""
    shown = redacted_change(change, redact)
    return {
        "path": audit_path(operation, change.path),
        "before": shown.before,
        "after": shown.after,
    }


@dataclass
class AuditEvent:
    operation: str
    principal: Principal
    pool: str | None
    dry_run: bool
    requested: list[Path]
    changes: list[FieldChange] = field(default_factory=list)
    note: str | None = None


class Auditor:
    def __init__(self, write: Callable[[str], None], redact: Iterable[str]) -> None:
        self._write = write
        self._redact = redacted_members(redact)

    def _change(self, operation: str, change: FieldChange) -> dict[str, Any]:
        return redact_change(change, self._redact, operation)

    @contextlib.contextmanager
    def attempt(
        self,
        operation: str,
        principal: Principal,
        pool: str | None,
        dry_run: bool,
        requested: list[Path],
    ) -> Iterator[AuditEvent]:
        """Audits what happens inside the block: the error it raises, or success."""
        event = AuditEvent(operation, principal, pool, dry_run, requested)
        try:
            yield event
        except Exception as error:
            code = classify(error).code
            self._emit(event, "forbidden" if code == ErrorCode.FORBIDDEN else "failed", code.value)
            raise
        self._emit(
            event,
            "succeeded" if event.changes or operation == "CreateUserPool" else "no-change",
            None,
        )

    def applied_later(self, pool_id: str, author: str | None, request: str | None) -> None:
        """A write whose caller got an error with no outcome (a timeout, a dead replica)
        was found applied by the history: the audit says so, as the history does."""
        kind, _, name = (author or "unknown:unknown").partition(":")
        record = _record(name, kind, "UpdateUserPool", pool_id, False, "applied-later", None)
        record["requestId"] = request
        record["note"] = "the answer was lost; the history found the write applied in Cognito"
        self._write(orjson.dumps(record, default=str).decode())

    def _emit(self, event: AuditEvent, outcome: str, code: str | None) -> None:
        principal = event.principal
        record = _record(
            principal.name, principal.kind, event.operation, event.pool, event.dry_run,
            outcome, code,
        )  # fmt: skip
        record["requested"] = [audit_path(event.operation, p) for p in event.requested]
        record["changes"] = [self._change(event.operation, c) for c in event.changes]
        if event.note is not None:
            record["note"] = event.note
        self._write(orjson.dumps(record, default=str).decode())


def _record(
    name: str,
    kind: str,
    operation: str,
    pool: str | None,
    dry_run: bool,
    outcome: str,
    code: str | None,
) -> dict[str, Any]:
    """The fields every audit record has, in their order (the current request's id)."""
    return {
        "type": "audit",
        "time": datetime.datetime.now(datetime.UTC).isoformat(),
        "requestId": request_id.get() or None,
        "principal": {"name": name, "kind": kind},
        "operation": operation,
        "pool": pool,
        "dryRun": dry_run,
        "outcome": outcome,
        "errorCode": code,
    }
