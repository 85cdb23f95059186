"""Starts what the benchmarks measure: the emulator, the counting proxy, the server.

Everything runs on loopback. The server is pinned to one core and the load
generator (wrk) to the other when ``taskset`` exists and the machine has two
or more cores, so the two do not compete for the same CPU.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"


def pinned(command: list[str], core: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core), *command]
    return command


@dataclass
class Stack:
    emulator_url: str
    proxy: FaultProxy
    server_url: str
    server_pid: int
    grpc_target: str
    bare_url: str  # the baselines' process (bench/bare.py)


@contextlib.contextmanager
def running_stack(log_dir: Path) -> Iterator[Stack]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
    }
    emulator_port, server_port, grpc_port = free_port(), free_port(), free_port()
    bare_port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    for stale in log_dir.glob("history.db*"):  # the file, its WAL, its journal folder
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    emulator_log = open(log_dir / "emulator.log", "wb")  # noqa: SIM115 - closed below
    server_log = open(log_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    bare_log = open(log_dir / "bare.log", "wb")  # noqa: SIM115 - closed below
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.demo.emulator",
            "-H",
            "127.0.0.1",
            "-p",
            str(emulator_port),
        ],
        env=env,
        stdout=emulator_log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    proxy = FaultProxy(f"http://127.0.0.1:{emulator_port}")
    server: subprocess.Popen[bytes] | None = None
    bare: subprocess.Popen[bytes] | None = None
    try:
        wait_for_port(emulator_port)
        proxy.start()
        server_env = {
            **env,
            "GATEWAY_REGION": REGION,
            "GATEWAY_COGNITO_ENDPOINT_URL": proxy.url,
            "GATEWAY_CACHE_TTL_SECONDS": "60",
            # A fresh history per run (the embedded SQLite): every write records a version.
            "GATEWAY_HISTORY_URL": f"sqlite+aiosqlite:///{log_dir.resolve() / 'history.db'}",
            "BENCH_GRPC_PORT": str(grpc_port),
        }
        server = subprocess.Popen(
            pinned([sys.executable, "-m", "bench.server", "--port", str(server_port)], 0),
            env=server_env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        # Pinned to the same core as the gateway: only one of them is under load at a time.
        bare = subprocess.Popen(
            pinned([sys.executable, "-m", "bench.bare", "--port", str(bare_port)], 0),
            env=env,
            stdout=bare_log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        wait_for_port(server_port)
        wait_for_port(grpc_port)
        wait_for_port(bare_port)
        yield Stack(
            f"http://127.0.0.1:{emulator_port}",
            proxy,
            f"http://127.0.0.1:{server_port}",
            server.pid,
            f"127.0.0.1:{grpc_port}",
            f"http://127.0.0.1:{bare_port}",
        )
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(20)
        proxy.stop()
        emulator.terminate()
        emulator.wait(20)
        emulator_log.close()
        server_log.close()
        bare_log.close()


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
