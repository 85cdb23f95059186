"""What the service tests share: a runtime over the in-memory Cognito."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.observability.metrics import Metrics
from gateway.runtime import Runtime, open_runtime
from gateway.settings import Settings
from tests.support.memory_cognito import InMemoryCognito

MEMORY_REGION = "eu-west-1"


@pytest.fixture
def memory_cognito() -> InMemoryCognito:
    return InMemoryCognito()


@pytest.fixture
async def memory_runtime(memory_cognito: InMemoryCognito, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The whole runtime (cache, locks, history in SQLite, audit to stderr) over the
    in-memory Cognito: the service's promises in milliseconds."""
    settings = Settings(
        region=MEMORY_REGION,
        cache_ttl_seconds=30,
        history_url=f"sqlite+aiosqlite:///{tmp_path / 'history.db'}",
        audit_sink="stderr",
    )
    async with open_runtime(settings, Metrics(), cognito=memory_cognito) as runtime:
        yield runtime
