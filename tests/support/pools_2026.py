"""The 2024-2026 pool documents of ``tests/fixtures/pools-2024-2026`` and the shared real
pools, as (DescribeUserPool document, GetUserPoolMfaConfig answer) pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.documents import load_real_pool, real_pool_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pools-2024-2026"
Pair = tuple[dict[str, Any], dict[str, Any]]


def recent_pool_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def load_pair(path: Path) -> Pair:
    """A 2024-2026 fixture, or a shared real pool (with the MFA answer its mode implies)."""
    document = json.loads(path.read_text())
    if "MfaConfig" in document:
        return document["UserPool"], document["MfaConfig"]
    pool = load_real_pool(path)
    return pool, {"MfaConfiguration": pool.get("MfaConfiguration", "OFF")}


def all_pool_files() -> list[Path]:
    return [*recent_pool_files(), *real_pool_files()]


def named(name: str) -> Pair:
    return load_pair(FIXTURES / f"{name}.json")
