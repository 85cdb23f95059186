"""Log lines: JSON for machines without uvicorn's colour codes; a readable line for a
person at a terminal."""

from __future__ import annotations

import json
import logging

from gateway.observability.logs import ConsoleFormatter, JsonFormatter


def record() -> logging.LogRecord:
    made = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started %s", ("x",), None)
    made.color_message = "Started \x1b[36m%s\x1b[0m"  # what uvicorn adds
    made.pool = "eu-west-1_A"
    return made


def test_json_lines_carry_no_colour_codes() -> None:
    line = JsonFormatter().format(record())
    event = json.loads(line)
    assert event["message"] == "Started x" and event["pool"] == "eu-west-1_A"
    assert "color_message" not in event and "\\u001b" not in line


def test_console_lines_read_as_text() -> None:
    line = ConsoleFormatter().format(record())
    assert line.endswith("info     Started x  pool=eu-west-1_A")
    assert "\x1b" not in line and not line.startswith("{")
