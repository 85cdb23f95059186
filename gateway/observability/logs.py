"""Structured logs on stderr: one JSON object per line for machines, or one readable
line per event on a terminal (``GATEWAY_LOG_FORMAT=auto|console|json``; ``auto``
picks console when stderr is a terminal)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from gateway.observability import tracing
from gateway.observability.context import request_id

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# uvicorn's copy of its message with ANSI colour codes: never in a log line.
_DROPPED = _STANDARD | {"color_message"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _DROPPED}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current_request = request_id.get()
        if current_request:
            event["request_id"] = current_request
        event.update(tracing.current_ids())
        event.update(_fields(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str)


class ConsoleFormatter(logging.Formatter):
    """``12:04:05 warning  history: ... pool=eu-west-1_A``: for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = (
            f"{self.formatTime(record, '%H:%M:%S')} {record.levelname.lower():<8} "
            f"{record.getMessage()}{'  ' + extra if extra else ''}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str, form: str = "json") -> None:
    """``form``: ``json``, ``console``, or ``auto`` (console on a terminal)."""
    console = form == "console" or (form == "auto" and sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ConsoleFormatter() if console else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "aiobotocore", "werkzeug", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
