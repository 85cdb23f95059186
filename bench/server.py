"""The benchmarked server: the gateway as ``gateway serve`` runs it (``Servers``: HTTP
and gRPC over one runtime), plus one bench-only switch. The baselines it is compared
with run in a process of their own (``bench/bare.py``)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvloop

from gateway.api.app import HttpApp
from gateway.runtime import Runtime
from gateway.servers import Servers
from gateway.settings import Settings


class BenchServers(Servers):
    def app(self, runtime: Runtime) -> HttpApp:
        app = super().app(runtime)

        @app.rest.post("/bench/history")
        async def switch_history(request: dict[str, Any]) -> dict[str, bool]:
            """Writes record history or not, so one process measures both."""
            writer: Any = runtime.service.writer
            writer._history = runtime.service.history if request["on"] else None
            return {"ok": True}

        return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings(
        port=args.port,
        grpc_port=int(os.environ["BENCH_GRPC_PORT"]),
        quota_reads_per_second=10_000,
        public_pools=["*"],
        quota_updates_per_second=10_000,
        log_level="WARNING",
        audit_sink="stderr",
    )
    from gateway.observability import logs

    logs.configure(settings.telemetry.log_level)
    uvloop.run(BenchServers(settings).serve())


if __name__ == "__main__":
    os.environ.setdefault("GATEWAY_LOG_LEVEL", "WARNING")
    main()
