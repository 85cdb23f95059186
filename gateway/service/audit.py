"""The audit trail: one JSON event per mutation attempt, secrets redacted.

Every ``updateUserPool`` / ``createUserPool`` attempt, successful or not,
dry run or not, writes one line: who, which pool, what operation, which
settings changed (before/after), the outcome and the request id. Values of
members that are secrets (``ExternalId`` by default, and any member the model
marks sensitive) are replaced by ``"[REDACTED]"``.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from gateway import model
from gateway.api.http import request_id
from gateway.errors import ErrorCode, GatewayError
from gateway.service.access import Principal

REDACTED = "[REDACTED]"


def sensitive_graphql_names(extra: Iterable[str]) -> frozenset[str]:
    """GraphQL names of members to redact: the configured ones and the model's sensitive ones."""
    names = {model.graphql_name(name) for name in extra}
    for operation in ("UpdateUserPool", "CreateUserPool"):
        for path, member in model.iter_members(model.input_shape(operation)):
            if member.metadata.get("sensitive"):
                names.add(model.graphql_name(path.rsplit(".", 1)[-1].rstrip("[]{}")))
    return frozenset(names)


def open_sink(spec: str) -> Callable[[str], None]:
    """``stdout``, ``stderr`` or ``file:<path>`` (appended, one line per event)."""
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
            f"GATEWAY_AUDIT_SINK: expected stdout, stderr or file:<path>, got {spec!r}"
        )

    def write(line: str) -> None:
        with lock:
            stream.write(line + "\n")
            stream.flush()

    return write


@dataclass
class AuditEvent:
    operation: str
    principal: Principal
    pool: str | None
    dry_run: bool
    requested: list[str]
    changes: list[dict[str, Any]] = field(default_factory=list)


class Auditor:
    def __init__(self, write: Callable[[str], None], redact: Iterable[str]) -> None:
        self._write = write
        self._redact = sensitive_graphql_names(redact)

    def _redacted(self, change: dict[str, Any]) -> dict[str, Any]:
        segments = {part.split("[")[0] for part in change["path"].split(".")}
        if segments & self._redact:
            return {
                **change,
                "before": REDACTED if change["before"] is not None else None,
                "after": REDACTED if change["after"] is not None else None,
            }
        return change

    @contextlib.contextmanager
    def attempt(
        self,
        operation: str,
        principal: Principal,
        pool: str | None,
        dry_run: bool,
        requested: list[str],
    ) -> Iterator[AuditEvent]:
        event = AuditEvent(operation, principal, pool, dry_run, requested)
        try:
            yield event
        except GatewayError as error:
            outcome = "forbidden" if error.code == ErrorCode.FORBIDDEN else "failed"
            self._emit(event, outcome, error.code.value)
            raise
        except Exception:
            self._emit(event, "failed", ErrorCode.INTERNAL_ERROR.value)
            raise
        self._emit(
            event,
            "succeeded" if event.changes or operation == "createUserPool" else "no-change",
            None,
        )

    def _emit(self, event: AuditEvent, outcome: str, code: str | None) -> None:
        record = {
            "type": "audit",
            "time": datetime.datetime.now(datetime.UTC).isoformat(),
            "requestId": request_id.get() or None,
            "principal": {"name": event.principal.name, "kind": event.principal.kind},
            "operation": event.operation,
            "pool": event.pool,
            "dryRun": event.dry_run,
            "outcome": outcome,
            "errorCode": code,
            "requested": event.requested,
            "changes": [self._redacted(c) for c in event.changes],
        }
        self._write(orjson.dumps(record, default=str).decode())
