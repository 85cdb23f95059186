"""Settings that explain themselves: one line naming the variable, exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.config_errors import ConfigError, load_settings
from gateway.settings import GROUP_OF
from tests.conftest import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}


def check_config(**variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**CLEAN_ENV, **variables},
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_PORT", "eighty"),
        ("GATEWAY_PORT", "70000"),
        ("GATEWAY_API_KEYS", "[{not json"),
        ("GATEWAY_AUTH_MODE", "kerberos"),
        ("GATEWAY_CACHE_TTL_SECONDS", "-1"),
        ("GATEWAY_REDIS_URL", "localhost:6379"),
        ("GATEWAY_LOG_LEVEL", "verbose"),
    ],
)
def test_an_invalid_setting_is_one_line_naming_the_variable(variable: str, value: str) -> None:
    result = check_config(**{variable: value})
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"gateway check-config: {variable}")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"GATEWAY_LOG_LEVEL": "warning"}, {"log_level": "WARNING"}),
        ({"GATEWAY_AUTH_MODE": "NONE"}, {"auth_mode": "none"}),
        (
            {"GATEWAY_CORS_ORIGINS": "http://127.0.0.1:3000, https://app.example.com"},
            {"cors_origins": ["http://127.0.0.1:3000", "https://app.example.com"]},
        ),
        (
            {"GATEWAY_CORS_ORIGINS": '["https://a.example"]'},
            {"cors_origins": ["https://a.example"]},
        ),
        (
            {"GATEWAY_AUDIT_REDACT": "ExternalId,KMSKeyID"},
            {"audit_redact": ["ExternalId", "KMSKeyID"]},
        ),
    ],
)
def test_enums_ignore_case_and_lists_take_json_or_commas(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: dict[str, object]
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    for field, value in expected.items():
        assert getattr(getattr(settings, GROUP_OF[field]), field) == value


def test_a_valid_environment_checks_out_and_a_typo_is_warned_about() -> None:
    result = check_config(GATEWAY_REDIS_ULR="redis://127.0.0.1:6379/0", GATEWAY_LOG_LEVEL="debug")
    assert result.returncode == 0
    assert "configuration OK" in result.stdout
    assert (
        "GATEWAY_REDIS_ULR" in result.stderr and "did you mean GATEWAY_REDIS_URL" in result.stderr
    )


def test_serve_refuses_bad_settings_the_same_way() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**CLEAN_ENV, "GATEWAY_CORS_ORIGINS": "[broken"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("gateway serve: GATEWAY_CORS_ORIGINS: not a JSON list")
    assert len(result.stderr.strip().splitlines()) == 1


async def test_missing_aws_credentials_are_named_at_startup_and_in_errors(
    session_proxy: Any, tmp_path: Path, http: Any
) -> None:
    from tests.conftest import REGION, GatewayProcess, GraphQLClient

    env = {
        "GATEWAY_REGION": REGION,
        "GATEWAY_COGNITO_ENDPOINT_URL": session_proxy.url,
        "GATEWAY_GRPC": "false",
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    replica = GatewayProcess(env, str(tmp_path / "replica.log")).wait_ready()
    try:
        answer = await GraphQLClient(http, replica.url).execute(
            'query { userPool(id: "eu-west-1_abc") { id } }'
        )
        assert "no AWS credentials were found" in answer["errors"][0]["message"]
        assert "no AWS credentials found" in replica.log_text()
    finally:
        replica.stop()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """``gateway demo`` as a process, as a user starts it, on free ports."""
    from tests.support.net import free_port, wait_for_port

    port, grpc_port = free_port(), free_port()
    log_path = tmp_path / "demo.log"
    command = [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*command, "--grpc-port", str(grpc_port)],
            cwd=ROOT,
            env=CLEAN_ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, timeout=60)
            yield port, log_path
        finally:
            process.terminate()
            process.wait(20)


async def test_the_demo_allows_loopback_origins_and_says_so(
    http: Any, demo: tuple[int, Path]
) -> None:
    port, log_path = demo
    preflight = {
        "Origin": "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = await http.options(f"http://127.0.0.1:{port}/graphql", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    foreign = await http.options(
        f"http://127.0.0.1:{port}/graphql", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in foreign.headers
    assert "browser pages on loopback origins may call it" in log_path.read_text()


def gateway_cli(*command: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *command],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**CLEAN_ENV, **variables},
    )


def test_a_bad_history_url_never_echoes_its_password() -> None:
    result = check_config(GATEWAY_HISTORY_URL="postgres://gateway:hunter2@db/history")
    assert result.returncode == 2
    assert result.stderr.startswith("gateway check-config: GATEWAY_HISTORY_URL: expected")
    assert "hunter2" not in result.stderr


def test_an_unreachable_history_database_is_one_line_for_migrate() -> None:
    """``migrate`` has nothing to do without the database; ``serve`` starts anyway and
    journals the history (tests/service/test_history_outages.py)."""
    result = gateway_cli(
        "migrate", GATEWAY_HISTORY_URL="postgresql+asyncpg://gateway:hunter2@127.0.0.1:1/history"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gateway migrate: GATEWAY_HISTORY_URL: cannot prepare")
    assert "gateway:***@127.0.0.1:1" in lines[0] and "hunter2" not in result.stderr


def test_a_sqlite_file_that_cannot_be_made_stops_serve_with_one_line() -> None:
    """Not an outage to ride through: a path to fix (here under /proc, never writable)."""
    result = gateway_cli("serve", GATEWAY_HISTORY_URL="sqlite+aiosqlite:////proc/gateway/h.db")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gateway serve: GATEWAY_HISTORY_URL: cannot prepare")


def test_a_database_that_refuses_stops_serve_with_one_line(postgres: PostgresServer) -> None:
    """An answer no waiting fixes (no such database) is not an outage: one line, exit 2."""
    missing = postgres.new_database().rsplit("/", 1)[0] + "/no_such_database"
    result = gateway_cli("serve", GATEWAY_HISTORY_URL=missing)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gateway serve: GATEWAY_HISTORY_URL: cannot prepare")
    assert "no_such_database" in lines[0]


def test_migrate_creates_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'history.db'}"
    for _ in range(2):
        result = gateway_cli("migrate", GATEWAY_HISTORY_URL=url)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"history schema up to date at {url}\n"


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"auth_mode": "none", "host": "0.0.0.0"}, "GATEWAY_AUTH_MODE=none is only allowed"),
        ({"auth_mode": "api-key", "api_keys": "[]"}, "GATEWAY_AUTH_MODE=api-key needs"),
        ({"auth_mode": "jwt", "jwt_issuer": "https://i"}, "GATEWAY_AUTH_MODE=jwt needs"),
        (
            {"redis_url": "redis://r:6379/0", "lock_timeout_seconds": 1},
            "GATEWAY_LOCK_TIMEOUT_SECONDS=1 must be at least",
        ),
    ],
)
def test_checks_across_groups_run_whenever_settings_load(
    values: dict[str, object], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once methods each caller had to remember (``check_auth``, ``check_locks``); now
    no settings object exists that fails them, and the line names the variables."""
    for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    with pytest.raises(ConfigError) as refused:
        load_settings(**values)
    [line] = refused.value.lines
    assert line.startswith(words)
