"""``gateway demo`` as a person meets it: on a terminal its logs are readable lines, its
banner comes last and every command in it runs as pasted; a busy port is one line
that names the option to change."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.net import free_port
from tests.support.tools import BUF

ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
BANNER_END = "Ctrl-C stops it."


def read_until(descriptor: int, marker: str, within: float) -> str:
    """Everything the terminal shows until ``marker`` (or the time runs out)."""
    seen = b""
    deadline = time.monotonic() + within
    while marker.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], 0.5)
        if ready:
            try:
                seen += os.read(descriptor, 65536)
            except OSError:  # the process closed the terminal
                break
    return seen.decode(errors="replace")


def test_on_a_terminal_the_demo_reads_well_and_its_examples_run() -> None:
    port, grpc_port = free_port(), free_port()
    command = [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port)]
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [*command, "--grpc-port", str(grpc_port)],
        cwd=ROOT, env=CLEAN_ENV, stdin=child, stdout=child, stderr=child, close_fds=True,
    )  # fmt: skip
    os.close(child)
    try:
        shown = read_until(parent, BANNER_END, within=90)
        assert BANNER_END in shown, shown[-2000:]
        banner = shown[shown.rindex("Cognito user-pool gateway demo") :]
        logs = shown[: shown.rindex("Cognito user-pool gateway demo")]
        lines = logs.replace("\r\n", "\n").splitlines()
        assert not [line for line in lines if line.startswith("{")], "JSON on a terminal"
        assert any("audit" in line for line in lines)  # audit records: the same format
        assert "\x1b[" not in shown  # no colour codes
        after = shown[shown.index(BANNER_END) + len(BANNER_END) :]
        assert not after.strip(), "the banner comes last"
        assert f"http://127.0.0.1:{port}/graphql" in banner
        for page in ("console", "GraphiQL"):  # the pages a person opens answer
            [url] = [
                line.split()[-1] for line in banner.splitlines() if line.strip().startswith(page)
            ]
            opened = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "accept: text/html",
                 url],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            assert opened.stdout == "200", (page, url, opened.stdout)
        examples = [line.strip() for line in banner.splitlines() if line.startswith("  curl ")]
        assert len(examples) == 4  # a read, public settings, a client patch, its config
        for example in examples:
            ran = subprocess.run(example, shell=True, capture_output=True, text=True, timeout=30)
            assert ran.returncode == 0, (example, ran.stderr)
            answer = json.loads(ran.stdout)
            assert "errors" not in answer and answer, (example, ran.stdout)
        [grpc] = [line.strip() for line in banner.splitlines() if "grpcurl" in line]
        words = shlex.split(grpc)  # grpcurl -plaintext -d BODY HOST:PORT SERVICE/METHOD
        body, target, method = words[3], words[4], words[5]
        ran = subprocess.run(
            [str(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", body,
             f"http://{target}/{method}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert json.loads(body)["id"] == json.loads(ran.stdout)["id"]
    finally:
        process.terminate()
        process.wait(20)
        os.close(parent)


def test_a_busy_port_is_one_line_naming_the_option() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["demo", "--port", str(port)], ["serve", "--port", str(port)]):
            result = subprocess.run(
                [sys.executable, "-m", "gateway.cli", *command],
                capture_output=True, text=True, timeout=60, cwd=ROOT, env=CLEAN_ENV,
            )  # fmt: skip
            assert result.returncode == 2, result.stderr
            [line] = result.stderr.strip().splitlines()
            assert re.fullmatch(
                rf"gateway {command[0]}: 127\.0\.0\.1:{port} is in use; choose another port "
                r"with --port.*",
                line,
            ), line


def test_the_unauthenticated_demo_refuses_to_listen_beyond_loopback() -> None:
    """The demo has no credentials: bound to every interface, anyone on the network could
    change its pools. Settings refuse it on load, for the demo as for ``serve``."""
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=CLEAN_ENV,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("gateway demo: GATEWAY_AUTH_MODE=none is only allowed on a loopback")
