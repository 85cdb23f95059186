"""The benchmarked server: the gateway app plus a bare FastAPI endpoint beside it.

``POST /bare/pool`` answers with the same JSON document the gateway answers
for the full-pool query, through the same app, middleware, uvicorn, uvloop
and httptools: the practical ceiling of the HTTP stack, measured in the same
process as the gateway so the two figures are comparable.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvicorn
from fastapi.responses import ORJSONResponse

from gateway.api.app import create_app
from gateway.settings import Settings

snapshot: dict[str, Any] = {}


def build(settings: Settings) -> Any:
    app = create_app(settings)

    @app.post("/bare/pool")
    async def bare_pool() -> ORJSONResponse:
        return ORJSONResponse(snapshot)

    @app.post("/bare/snapshot")
    async def take_snapshot(document: dict[str, Any]) -> dict[str, bool]:
        snapshot.clear()
        snapshot.update(document)
        return {"ok": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings(
        port=args.port,
        quota_reads_per_second=10_000,
        quota_updates_per_second=10_000,
        log_level="WARNING",
        audit_sink="stderr",
    )
    from gateway.observability import logs

    logs.configure(settings.log_level)
    uvicorn.run(
        build(settings),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    os.environ.setdefault("GATEWAY_LOG_LEVEL", "WARNING")
    main()
