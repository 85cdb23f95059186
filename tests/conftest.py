"""Real parts for the tests: the moto server over HTTP, the fault proxy, the
gateway served by uvicorn over HTTP, and a direct Cognito client for setup and
verification that bypasses the gateway (and the proxy's counters)."""

from __future__ import annotations

import contextlib
import getpass
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvloop

from gateway.cognito.clients import CognitoClients
from gateway.core.clock import MONOTONIC, Clock
from gateway.demo.seed import FULL_POOL, seed_pools
from gateway.servers import Servers
from gateway.settings import Settings
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port, wait_for_port

REGION = "eu-west-1"


@pytest.fixture(scope="session", autouse=True)
def aws_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Dummy credentials: the emulator accepts any, and nothing may reach real AWS. The
    history of every gateway the tests start goes to one temporary SQLite file."""
    history = tmp_path_factory.mktemp("history") / "history.db"
    os.environ["GATEWAY_HISTORY_URL"] = f"sqlite+aiosqlite:///{history}"
    # Whatever defaults to the per-user data directory stays in the test's tree.
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ.pop("AWS_PROFILE", None)
    os.environ["AWS_DEFAULT_REGION"] = REGION


@pytest.fixture(scope="session")
def emulator() -> Iterator[str]:
    """The moto server in its own process, on a free loopback port (see gateway.demo.emulator)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.demo.emulator", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def session_proxy(emulator: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(emulator)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(session_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The session's proxy with clean counters and no faults."""
    session_proxy.reset()
    yield session_proxy
    session_proxy.reset()


class GatewayServer:
    """The gateway's servers (``gateway/servers.py``: HTTP, and gRPC when on, over one
    runtime) on their own event loop in a thread, reached over real sockets."""

    def __init__(self, settings: Settings, clock: Clock = MONOTONIC) -> None:
        self.port = free_port()
        self._servers = Servers(settings.replaced(host="127.0.0.1", port=self.port), clock=clock)
        self._thread = threading.Thread(
            target=lambda: uvloop.run(self._servers.serve()), daemon=True
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._servers.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("gateway did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.stop_async()
        self.join()

    def stop_async(self) -> None:
        """Ask it to stop (as SIGTERM does) without waiting."""
        self._servers.stop()

    def join(self) -> None:
        self._thread.join(10)


GatewayFactory = Callable[..., GatewayServer]


@pytest.fixture(scope="session")
def start_gateway(session_proxy: FaultProxy) -> Iterator[GatewayFactory]:
    """Start a gateway behind the fault proxy; keyword arguments override settings
    (``clock``: the time its caches and limits read, a ``ManualClock`` to move on)."""
    started: list[GatewayServer] = []

    def start(clock: Clock = MONOTONIC, **overrides: Any) -> GatewayServer:
        values: dict[str, Any] = {
            "region": REGION,
            "cognito_endpoint_url": session_proxy.url,
            "cache_ttl_seconds": 30.0,
            "upstream_max_attempts": 2,
            "grpc": False,
        }
        values.update(overrides)
        server = GatewayServer(Settings(**values), clock).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def gateway(start_gateway: GatewayFactory) -> GatewayServer:
    return start_gateway()


class RedisServer:
    """A real ``redis-server`` on a free loopback port; can be killed and restarted."""

    def __init__(self, workdir: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: .ci/run installs it with apt-get")
        self._process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def redis_server(tmp_path: Any) -> Iterator[RedisServer]:
    server = RedisServer(str(tmp_path)).start()
    yield server
    server.kill()


class GatewayProcess:
    """``gateway serve`` as its own process (a replica), configured by environment."""

    def __init__(self, env: dict[str, str], log_path: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)],
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> GatewayProcess:
        wait_for_port(self.port, timeout=30)
        return self

    def signal(self, signum: int) -> None:
        self._process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self._process.wait(timeout)

    def log_text(self) -> str:
        self._log.flush()
        with open(self._log.name, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._log.close()


@pytest.fixture
def start_replicas(
    session_proxy: FaultProxy, tmp_path: Any
) -> Iterator[Callable[..., list[GatewayProcess]]]:
    """Start N gateway processes behind the fault proxy; keyword args become GATEWAY_* vars."""
    started: list[GatewayProcess] = []

    def start(count: int, **settings: Any) -> list[GatewayProcess]:
        env = {
            "GATEWAY_REGION": REGION,
            "GATEWAY_COGNITO_ENDPOINT_URL": session_proxy.url,
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_UPDATE_BACKOFF_BASE_SECONDS": "0.02",
            "GATEWAY_UPDATE_MAX_ATTEMPTS": "8",
            "GATEWAY_CACHE_TTL_SECONDS": "30",
            "GATEWAY_GRPC": "false",
        }
        if "redis_url" in settings:
            # A fresh redis-server quarantines locks for one lease: keep leases short, and
            # Cognito calls well below them (Settings checks it on load).
            env.update(
                {
                    "GATEWAY_LOCK_TIMEOUT_SECONDS": "3",
                    "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "1",
                    "GATEWAY_UPSTREAM_MAX_ATTEMPTS": "2",
                }
            )
        env.update({f"GATEWAY_{k.upper()}": str(v) for k, v in settings.items()})
        replicas = [
            GatewayProcess(env, str(tmp_path / f"replica-{len(started) + i}.log"))
            for i in range(count)
        ]
        started.extend(replicas)
        return [replica.wait_ready() for replica in replicas]

    yield start
    for replica in started:
        replica.stop()


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self._http = http
        self.url = url

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, **request: Any
    ) -> dict[str, Any]:
        response = await self._http.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, **request
        )
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
def graphql(http: httpx.AsyncClient, gateway: GatewayServer) -> GraphQLClient:
    return GraphQLClient(http, gateway.url)


@pytest.fixture(scope="session")
async def cognito(emulator: str) -> AsyncIterator[CognitoClients]:
    """Direct to the emulator: setup and ground truth, never counted by the proxy."""
    async with CognitoClients(Settings(region=REGION, cognito_endpoint_url=emulator)) as clients:
        yield clients


@pytest.fixture(scope="session")
async def demo_pool_ids(cognito: CognitoClients) -> list[str]:
    """The demo's pools, seeded once: full, minimal, legacy. Tests must not modify them."""
    return await seed_pools(cognito, REGION)


PoolFactory = Callable[[], Awaitable[str]]


@pytest.fixture
def new_full_pool(cognito: CognitoClients) -> PoolFactory:
    """Creates a fresh copy of the demo's fully configured pool; returns its id."""

    async def create() -> str:
        created = await cognito.call(REGION, "CreateUserPool", **FULL_POOL)
        return str(created["UserPool"]["Id"])

    return create


@pytest.fixture
async def describe(cognito: CognitoClients) -> Callable[[str], Any]:
    async def run(pool_id: str) -> dict[str, Any]:
        response = await cognito.call(REGION, "DescribeUserPool", UserPoolId=pool_id)
        pool: dict[str, Any] = response["UserPool"]
        return pool

    return run


class PostgresServer:
    """A real PostgreSQL cluster in a temporary directory, on a free loopback port.

    ``initdb`` refuses to run as root, so as root the cluster belongs to the
    ``postgres`` user the Debian package creates. Trust authentication on
    loopback: nothing but the tests can reach it.
    """

    def __init__(self, workdir: Any) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed: tests/setup.sh installs it")
        self._bin = os.path.dirname(found[-1])
        self._data = os.path.join(str(workdir), "pgdata")
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self.user = "postgres" if self._as_root else getpass.getuser()
        os.makedirs(self._data)
        if self._as_root:
            shutil.chown(str(workdir), "postgres")
            shutil.chown(self._data, "postgres")
        self._created = 0

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        subprocess.run(
            [*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def start(self) -> PostgresServer:
        self._run(f"{self._bin}/initdb", "-D", self._data, "-A", "trust", "-U", self.user)
        return self.resume()

    def resume(self) -> PostgresServer:
        """Start the cluster again after :meth:`stop` (crash recovery, same data)."""
        options = f"-p {self.port} -k {self._data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(f"{self._bin}/pg_ctl", "-D", self._data, "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        self._run(f"{self._bin}/pg_ctl", "-D", self._data, "-m", "immediate", "stop")

    def sql(self, statement: str, database: str = "postgres") -> None:
        self._run(
            f"{self._bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
            "-d", database, "-c", statement,
        )  # fmt: skip

    def read_only(self, database: str, on: bool) -> None:
        """Make ``database`` refuse writes (or take them again), from every connection:
        its default changes for new sessions and the open ones are ended."""
        value = "on" if on else "off"
        self.sql(f"ALTER DATABASE {database} SET default_transaction_read_only = {value}")
        self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy async URL."""
        self._created += 1
        name = f"history_{self._created}"
        self._run(
            f"{self._bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
            "-d", "postgres", "-c", f"CREATE DATABASE {name}",
        )  # fmt: skip
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of the test's own, which it may stop and start."""
    workdir = tempfile.mkdtemp(prefix="gateway-pg-")
    server = PostgresServer(workdir).start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Not under pytest's tmp tree: that is private to root, and the cluster may run as
    # the postgres user.
    workdir = tempfile.mkdtemp(prefix="gateway-pg-")
    server = PostgresServer(workdir).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
