"""``gateway demo``: the Cognito emulator in-process, the seeded pools, GraphiQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from typing import Any

from gateway.api.http_protocol import busy_port
from gateway.config_errors import load_settings
from gateway.demo.emulator import start_in_thread, use_emulator_credentials
from gateway.demo.history import seed_history
from gateway.demo.seed import DEMO_REGION, seed_clients, seed_pools
from gateway.observability import logs
from gateway.observability.metrics import Metrics
from gateway.runtime import open_runtime
from gateway.servers import run
from gateway.settings import Settings
from gateway.store.history import shown_url

LOOPBACK_ORIGINS = r"https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?"
EXAMPLE_QUERY = """{
  userPools(first: 10) { nodes { id name } }
}"""


def run_demo(host: str | None = None, port: int | None = None, grpc_port: int | None = None) -> int:
    bind = host or "127.0.0.1"
    http_port = 8000 if port is None else port
    grpc_listen = 50051 if grpc_port is None else grpc_port
    busy = busy_port(bind, {"--port": http_port, "--grpc-port": grpc_listen})
    if busy is not None:
        sys.stderr.write(f"gateway demo: {busy}\n")
        return 2
    emulator = start_in_thread()
    emulator_host, emulator_port = emulator.get_host_and_port()
    emulator_url = f"http://{emulator_host}:{emulator_port}"
    use_emulator_credentials()
    defaults: dict[str, Any] = {}
    workdir: str | None = None
    if "GATEWAY_CORS_ORIGINS" not in os.environ:
        defaults["cors_origin_regex"] = LOOPBACK_ORIGINS
    if "GATEWAY_AUDIT_SINK" not in os.environ:  # one stream and one format with the logs
        defaults["audit_sink"] = "log"
    if "GATEWAY_PUBLIC_POOLS" not in os.environ:  # the public-settings example answers
        defaults["public_pools"] = ["*"]
    if "GATEWAY_HISTORY_URL" not in os.environ:  # the demo's history is thrown away with it
        workdir = tempfile.mkdtemp(prefix="gateway-demo-")
        defaults["history_url"] = f"sqlite+aiosqlite:///{workdir}/history.db"
    try:
        settings = load_settings(
            **defaults,
            host=bind,
            port=http_port,
            grpc_port=grpc_listen,
            region=DEMO_REGION,
            cognito_endpoint_url=emulator_url,
            graphiql=True,
            introspection=True,
            auth_mode="none",
        )
        logs.configure(settings.telemetry.log_level, settings.telemetry.log_format)
        ids, client_ids = asyncio.run(_seed(settings))
        run(settings, on_started=lambda: _announce(settings, ids, client_ids, emulator_url))
    finally:
        # A second Ctrl-C while the emulator stops (a terminal's, and ``uv run``'s
        # forwarded one) must not turn a clean stop into a traceback.
        with contextlib.suppress(KeyboardInterrupt):
            emulator.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


async def _seed(settings: Settings) -> tuple[list[str], list[str]]:
    """The demo pools, the first one's domain and two app clients, and a short history of
    the first pool (through a runtime of its own that caches nothing and serves no gRPC)."""
    uncached = settings.replaced(cache_ttl_seconds=0.0, grpc=False)
    async with open_runtime(uncached, Metrics()) as runtime:
        ids = await seed_pools(runtime.clients)
        client_ids = await seed_clients(runtime.clients, ids[0])
        await seed_history(runtime, ids[0])
    return ids, client_ids


def _client_patch(pool_id: str, client_id: str) -> str:
    """One member of the web client patched; UpdateUserPoolClient alone would reset the
    rest (callback URLs, OAuth flows, the units that make 60 mean minutes)."""
    mutation = (
        f'mutation {{ updateUserPoolClient(poolId: "{pool_id}", clientId: "{client_id}", '
        "patch: {accessTokenValidity: 30}) { changes { path before after risk } "
        "client { callbackURLs tokenValidityUnits { accessToken } } } }"
    )
    return json.dumps({"query": mutation})


def _announce(settings: Settings, ids: list[str], client_ids: list[str], emulator_url: str) -> None:
    """What the demo serves and what to try first, printed once it listens: every
    command runs as pasted."""
    base = f"http://{settings.serving.host}:{settings.serving.port}"
    grpc_address = f"{settings.serving.host}:{settings.grpc_server.grpc_port}"
    read = json.dumps({"query": f'{{ userPool(id: "{ids[0]}") {{ name version }} }}'})
    cors = (
        "browser pages on loopback origins may call it (set GATEWAY_CORS_ORIGINS to change)"
        if settings.cors.cors_origin_regex
        else f"allowed origins: {', '.join(settings.cors.cors_origins) or 'none'}"
    )
    grpc_body = json.dumps({"id": ids[0]})
    print(
        "\n".join(
            [
                "",
                "Cognito user-pool gateway demo",
                f"  console        {base}/console",
                f"  GraphiQL       {base}/graphql",
                f"  metrics        {base}/metrics",
                f"  gRPC           {grpc_address} (reflection on)",
                f"  emulator       {emulator_url}",
                f"  seeded pools   {', '.join(ids)}",
                f"  app clients    {', '.join(client_ids)} (of {ids[0]})",
                f"  history        {shown_url(settings.history.history_url)}",
                f"  CORS           {cors}",
                "",
                "Try (each runs as pasted):",
                f"  curl -s {base}/graphql -H 'content-type: application/json' -d '{read}'",
                f"  curl -s {base}/pools/{ids[0]}/public-settings",
                f"  curl -s {base}/graphql -H 'content-type: application/json' "
                f"-d '{_client_patch(ids[0], client_ids[0])}'",
                f"  curl -s {base}/pools/{ids[0]}/clients/{client_ids[0]}/frontend-config",
                f"  grpcurl -plaintext -d '{grpc_body}' {grpc_address} "
                "cognito_gateway.v1.UserPoolService/GetUserPool",
                "In GraphiQL:",
                EXAMPLE_QUERY,
                f'  {{ userPoolHistory(id: "{ids[0]}") {{ nodes {{ version source principal '
                "changes { path before after risk } } } }",
                "Ctrl-C stops it.",
                "",
            ]
        ),
        flush=True,
    )
