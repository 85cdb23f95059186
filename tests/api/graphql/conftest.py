"""What the GraphQL tests share: the history database every history test runs on."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that takes it runs on the embedded SQLite and on a real PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres").new_database()
        return url
    return f"sqlite+aiosqlite:///{tmp_path / 'history.db'}"
