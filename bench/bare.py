"""The baselines, in a process of their own: a bare FastAPI app and a bare ``grpc.aio``
servicer, answering with the exact bytes the gateway answers (handed over once by the
scenario), on the same uvicorn, uvloop and httptools. It is started and pinned like the
gateway's process, so a ratio compares the two servers, not two shares of one process.

``python -m bench.bare --port P``; ``POST /bare/grpc`` starts the gRPC twin.
"""

from __future__ import annotations

import argparse
from typing import Any

import grpc
import uvicorn
from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from gateway.api.grpc import stubs
from gateway.api.grpc.proto import SERVICE

snapshot: dict[str, Any] = {}
public_snapshot: dict[str, Any] = {}
servers: list[Any] = []
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/bare/pool")
async def bare_pool() -> ORJSONResponse:
    return ORJSONResponse(snapshot)


@app.get("/bare/public-settings")
async def bare_public_settings() -> ORJSONResponse:
    return ORJSONResponse(public_snapshot)


@app.post("/bare/snapshot")
async def take_snapshot(document: dict[str, Any]) -> dict[str, bool]:
    snapshot.clear()
    snapshot.update(document)
    return {"ok": True}


@app.post("/bare/public-snapshot")
async def take_public_snapshot(document: dict[str, Any]) -> dict[str, bool]:
    public_snapshot.clear()
    public_snapshot.update(document)
    return {"ok": True}


@app.post("/bare/grpc")
async def start_bare_grpc(request: dict[str, Any]) -> dict[str, bool]:
    """A servicer that answers every GetUserPool with one prebuilt message (the bytes
    the gateway answered, sent here as hex)."""
    messages, _ = stubs.load()
    prebuilt = messages.UserPool.FromString(bytes.fromhex(request["message"]))

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
    server.add_insecure_port(f"127.0.0.1:{int(request['port'])}")
    await server.start()
    servers.append(server)
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
