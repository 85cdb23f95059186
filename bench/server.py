"""The benchmarked server: the gateway app plus bare endpoints beside it.

``POST /bare/pool`` answers with the same JSON document the gateway answers
for the full-pool query, through the same app, middleware, uvicorn, uvloop
and httptools: the practical ceiling of the HTTP stack, measured in the same
process as the gateway so the two figures are comparable. Likewise a bare
``grpc.aio`` servicer (started by ``POST /bare/grpc``, in the same process and
loop as the gateway's gRPC server) answers GetUserPool with one prebuilt
message: the ceiling of the gRPC stack.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import grpc
import uvicorn
from fastapi.responses import ORJSONResponse

from gateway.api.app import create_app
from gateway.api.grpc import stubs
from gateway.api.grpc.proto import SERVICE
from gateway.settings import Settings

snapshot: dict[str, Any] = {}
public_snapshot: dict[str, Any] = {}
bare_grpc: list[Any] = []


async def start_bare_grpc(port: int, pool_id: str) -> None:
    """A servicer that answers every GetUserPool with the pool read once, prebuilt."""
    messages, _ = stubs.load()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{os.environ['BENCH_GRPC_PORT']}") as channel:
        prebuilt = await channel.unary_unary(
            f"/{SERVICE}/GetUserPool",
            request_serializer=messages.GetUserPoolRequest.SerializeToString,
            response_deserializer=messages.UserPool.FromString,
        )(messages.GetUserPoolRequest(id=pool_id))

    async def get_user_pool(request: Any, context: Any) -> Any:
        return prebuilt

    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(
        get_user_pool,
        request_deserializer=messages.GetUserPoolRequest.FromString,
        response_serializer=messages.UserPool.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {"GetUserPool": handler}),)
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    bare_grpc.append(server)


def build(settings: Settings) -> Any:
    app = create_app(settings)

    @app.post("/bare/grpc")
    async def bare_grpc_server(request: dict[str, Any]) -> dict[str, bool]:
        await start_bare_grpc(int(request["port"]), str(request["pool_id"]))
        return {"ok": True}

    @app.post("/bare/pool")
    async def bare_pool() -> ORJSONResponse:
        return ORJSONResponse(snapshot)

    @app.get("/bare/public-settings")
    async def bare_public_settings() -> ORJSONResponse:
        return ORJSONResponse(public_snapshot)

    @app.post("/bare/public-snapshot")
    async def take_public_snapshot(document: dict[str, Any]) -> dict[str, bool]:
        public_snapshot.clear()
        public_snapshot.update(document)
        return {"ok": True}

    @app.post("/bare/history")
    async def switch_history(request: dict[str, Any]) -> dict[str, bool]:
        """Bench only: writes record history or not, so one process measures both."""
        writer = app.state.runtime.service.writer
        recorder = app.state.runtime.service.history
        writer._history = recorder if request["on"] else None
        return {"ok": True}

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
        grpc_port=int(os.environ["BENCH_GRPC_PORT"]),
        quota_reads_per_second=10_000,
        public_pools=["*"],
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
