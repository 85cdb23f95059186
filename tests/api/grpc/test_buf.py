"""buf's lint and breaking-change checks of the committed gRPC contract, in the suite."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.tools import BUF, ROOT

PROTO = ROOT / "proto"


def buf(*arguments: str, cwd: Path = PROTO) -> subprocess.CompletedProcess[str]:
    assert BUF.exists(), "buf is missing: bash tests/setup.sh installs it"
    return subprocess.run(
        [str(BUF), *arguments], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_buf_lint_passes_with_only_the_exceptions_buf_yaml_justifies() -> None:
    result = buf("lint")
    assert result.returncode == 0, result.stdout + result.stderr


def previous_contract(into: Path) -> Path:
    """The proto directory as the commit before the last one that changed it left it."""
    changes = subprocess.run(
        ["git", "log", "--format=%H", "-n", "2", "--", "proto/"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    if len(changes) < 2:
        pytest.fail("the proto has no earlier committed version to compare with")
    files = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", f"{changes[1]}", "proto/"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        content = subprocess.run(
            ["git", "show", f"{changes[1]}:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        target.write_bytes(content)
    (into / "proto" / "buf.yaml").write_text((PROTO / "buf.yaml").read_text())
    return into / "proto"


def test_buf_breaking_finds_nothing_against_the_previous_committed_contract(
    tmp_path: Path,
) -> None:
    against = previous_contract(tmp_path)
    result = buf("breaking", "--against", str(against))
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_breaking_would_catch_a_renumbered_field(tmp_path: Path) -> None:
    against = previous_contract(tmp_path / "before")
    changed = tmp_path / "after"
    changed.mkdir()
    for source in PROTO.rglob("*"):
        if source.is_file():
            target = changed / source.relative_to(PROTO)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    proto = changed / "cognito_gateway" / "v1" / "user_pool.proto"
    text = proto.read_text()
    proto.write_text(text.replace("string path = 1;", "string path = 99;", 1))
    result = buf("breaking", "--against", str(against), cwd=changed)
    assert result.returncode != 0 and "path" in result.stdout + result.stderr
