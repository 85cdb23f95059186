from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes

from gateway.api.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]


def exported() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


def test_committed_schema_is_the_export_of_the_code() -> None:
    """Fails when schema.graphql is stale: run `gateway export-schema > schema.graphql`."""
    assert (ROOT / "schema.graphql").read_text() == exported()


def test_committed_schema_has_no_breaking_change_against_the_code() -> None:
    committed = parse_sdl((ROOT / "schema.graphql").read_text())
    assert find_breaking_changes(committed, build_schema()._schema) == []


def test_serve_help_lists_host_and_port() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "--host" in result.stdout and "--port" in result.stdout


def test_help_is_plain_text_with_defaults_variables_and_a_version() -> None:
    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout

    top = run("--help")
    assert "``" not in top and "GATEWAY_*" in top
    for command in ("serve", "demo"):
        text = run(command, "--help")
        assert "GATEWAY_PORT, default 8000" in text and "GATEWAY_GRPC_PORT, default 50051" in text
    assert run("--version").startswith("gateway ")
