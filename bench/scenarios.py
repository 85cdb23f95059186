"""The benchmark scenarios. Each returns plain numbers; ``bench.report`` turns
them into ratios against the baseline measured in the same run."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
from aiobotocore.session import get_session
from google.protobuf.field_mask_pb2 import FieldMask

from bench.harness import REGION, Stack, pinned, rss_megabytes
from gateway.api.graphql.schema import build_schema
from gateway.api.grpc import stubs
from gateway.api.grpc.proto import SERVICE
from gateway.core.rules import update_request_from
from gateway.demo.seed import DEMO_DOMAIN, FULL_POOL, WEB_CLIENT
from tests.support.documents import full_selection
from tests.support.net import free_port

FULL_QUERY = (
    "query Full($id: ID!) { userPool(id: $id) "
    + full_selection(build_schema()._schema, "UserPool")
    + " }"
)
CLIENT_QUERY = (
    "query Client($pool: ID!, $client: ID!) { userPoolClient(poolId: $pool, clientId: $client) "
    + full_selection(build_schema()._schema, "UserPoolClient")
    + " }"
)
PATCH = """mutation Patch($id: ID!, $patch: UserPoolPatch!) {
  updateUserPool(id: $id, patch: $patch) { changes { path } }
}"""


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int


def _milliseconds(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if found is None:
        raise RuntimeError(f"wrk printed a latency this cannot read: {value!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3.6e6}[unit]


def parse_wrk(output: str) -> Load:
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    # Anchored: a thread-stats "+/- Stdev" such as "95.50%" must not pass for the p50 line.
    p50 = _milliseconds(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99, total)


def wrk(url: str, body: dict[str, Any] | None, seconds: float, connections: int = 16) -> Load:
    script = (
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{json.dumps(body)}]==]\n"
        if body is not None
        else 'wrk.method = "GET"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = pinned(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            file.name,
            url,
        ],
        1,
    )
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(file.name).unlink()
    return parse_wrk(output)


async def new_pool(stack: Stack, name: str) -> str:
    async with get_session().create_client(
        "cognito-idp", region_name=REGION, endpoint_url=stack.emulator_url
    ) as client:
        created = await client.create_user_pool(**{**FULL_POOL, "PoolName": name})
        return str(created["UserPool"]["Id"])


async def hot_read(stack: Stack, seconds: float) -> dict[str, Any]:
    """Full-pool query through the gateway vs the bare endpoint serving the same JSON."""
    pool_id = await new_pool(stack, "bench-hot-read")
    body = {"query": FULL_QUERY, "variables": {"id": pool_id}}
    async with httpx.AsyncClient(timeout=30) as http:
        answer = (await http.post(f"{stack.server_url}/graphql", json=body)).json()
        assert "errors" not in answer, answer
        await http.post(f"{stack.bare_url}/bare/snapshot", json=answer)
        bare_answer = (await http.post(f"{stack.bare_url}/bare/pool", json=body)).json()
        assert bare_answer == answer
    bare = await asyncio.to_thread(wrk, f"{stack.bare_url}/bare/pool", body, seconds)
    gateway = await asyncio.to_thread(wrk, f"{stack.server_url}/graphql", body, seconds)
    return {
        "bare": bare,
        "gateway": gateway,
        "rss_mb": rss_megabytes(stack.server_pid),
        "reads": gateway.requests,
    }


async def public_settings(stack: Stack, seconds: float) -> dict[str, Any]:
    """Hot GET of a pool's public settings vs a bare endpoint serving the same JSON."""
    pool_id = await new_pool(stack, "bench-public-settings")
    url = f"{stack.server_url}/pools/{pool_id}/public-settings"
    async with httpx.AsyncClient(timeout=30) as http:
        answer = (await http.get(url)).json()
        await http.post(f"{stack.bare_url}/bare/public-snapshot", json=answer)
        bare_answer = (await http.get(f"{stack.bare_url}/bare/public-settings")).json()
        assert bare_answer == answer
    bare = await asyncio.to_thread(wrk, f"{stack.bare_url}/bare/public-settings", None, seconds)
    gateway = await asyncio.to_thread(wrk, url, None, seconds)
    return {"bare": bare, "gateway": gateway}


async def new_client(stack: Stack, name: str) -> tuple[str, str]:
    """A pool with a domain and the demo's web client (OAuth, callback URLs)."""
    pool_id = await new_pool(stack, name)
    async with get_session().create_client(
        "cognito-idp", region_name=REGION, endpoint_url=stack.emulator_url
    ) as client:
        await client.create_user_pool_domain(UserPoolId=pool_id, Domain=f"{DEMO_DOMAIN}-{name}")
        created = await client.create_user_pool_client(UserPoolId=pool_id, **WEB_CLIENT)
        return pool_id, str(created["UserPoolClient"]["ClientId"])


async def client_hot_read(stack: Stack, seconds: float) -> dict[str, Any]:
    """Full app-client query through the gateway vs the bare endpoint serving the same JSON."""
    pool_id, client_id = await new_client(stack, "bench-client-read")
    body = {"query": CLIENT_QUERY, "variables": {"pool": pool_id, "client": client_id}}
    async with httpx.AsyncClient(timeout=30) as http:
        answer = (await http.post(f"{stack.server_url}/graphql", json=body)).json()
        assert "errors" not in answer, answer
        await http.post(f"{stack.bare_url}/bare/snapshot", json=answer)
        assert (await http.post(f"{stack.bare_url}/bare/pool", json=body)).json() == answer
    bare = await asyncio.to_thread(wrk, f"{stack.bare_url}/bare/pool", body, seconds)
    gateway = await asyncio.to_thread(wrk, f"{stack.server_url}/graphql", body, seconds)
    return {"bare": bare, "gateway": gateway}


async def frontend_config(stack: Stack, seconds: float) -> dict[str, Any]:
    """Hot GET of an app client's frontend configuration vs a bare endpoint serving the
    same JSON (the bare public-settings route, given this document)."""
    pool_id, client_id = await new_client(stack, "bench-frontend")
    url = f"{stack.server_url}/pools/{pool_id}/clients/{client_id}/frontend-config"
    async with httpx.AsyncClient(timeout=30) as http:
        answer = (await http.get(url)).json()
        await http.post(f"{stack.bare_url}/bare/public-snapshot", json=answer)
        assert (await http.get(f"{stack.bare_url}/bare/public-settings")).json() == answer
    bare = await asyncio.to_thread(wrk, f"{stack.bare_url}/bare/public-settings", None, seconds)
    gateway = await asyncio.to_thread(wrk, url, None, seconds)
    return {"bare": bare, "gateway": gateway}


async def cold_burst(stack: Stack, readers: int) -> dict[str, Any]:
    """``readers`` concurrent reads of a pool nobody has read yet."""
    pool_id = await new_pool(stack, "bench-cold-burst")
    stack.proxy.reset()
    stack.proxy.delay("DescribeUserPool", 0.05)  # a realistic Cognito round trip
    body = {"query": FULL_QUERY, "variables": {"id": pool_id}}
    limits = httpx.Limits(max_connections=readers)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        answers = await asyncio.gather(
            *(http.post(f"{stack.server_url}/graphql", json=body) for _ in range(readers))
        )
    calls = stack.proxy.count("DescribeUserPool")
    stack.proxy.reset()
    failed = sum(1 for a in answers if a.status_code != 200 or "errors" in a.json())
    return {"readers": readers, "failed": failed, "describe_calls": calls}


Through = Callable[[str, int], Awaitable[None]]


async def update_overhead(stack: Stack, updates: int) -> dict[str, Any]:
    """GraphQL patch latency vs Describe + Update + Describe done directly."""
    async with httpx.AsyncClient(timeout=60) as http:

        async def through_graphql(pool_id: str, length: int) -> None:
            patch = {"policies": {"passwordPolicy": {"minimumLength": length}}}
            answer = (
                await http.post(
                    f"{stack.server_url}/graphql",
                    json={"query": PATCH, "variables": {"id": pool_id, "patch": patch}},
                )
            ).json()
            assert answer["data"]["updateUserPool"]["changes"], answer

        return await _overhead(stack, updates, through_graphql)


async def grpc_update_overhead(stack: Stack, updates: int) -> dict[str, Any]:
    """The same for a FieldMask update over gRPC."""
    messages, services = stubs.load()
    async with grpc.aio.insecure_channel(stack.grpc_target) as channel:
        pools = services.UserPoolServiceStub(channel)

        async def through_grpc(pool_id: str, length: int) -> None:
            policy = messages.UserPoolPolicy(
                password_policy=messages.PasswordPolicy(minimum_length=length)
            )
            answer = await pools.UpdateUserPool(
                messages.UpdateUserPoolRequest(
                    user_pool=messages.UserPool(id=pool_id, policies=policy),
                    update_mask=FieldMask(paths=["policies.password_policy.minimum_length"]),
                )
            )
            assert answer.changes, answer

        return await _overhead(stack, updates, through_grpc)


async def _overhead(
    stack: Stack, updates: int, through: Through, warmup: int = 3
) -> dict[str, Any]:
    """Patch latency through the gateway vs Describe + Update + Describe done directly.

    Both go through the same proxy to the same emulator; the order alternates
    every round so neither side always meets a warmer emulator, and the first
    ``warmup`` rounds are not counted.
    """
    pool_id = await new_pool(stack, "bench-update-overhead")
    gateway_times: list[float] = []
    direct_times: list[float] = []
    async with get_session().create_client(
        "cognito-idp", region_name=REGION, endpoint_url=stack.proxy.url
    ) as client:

        async def through_gateway(length: int) -> float:
            started = time.perf_counter()
            await through(pool_id, length)
            return time.perf_counter() - started

        async def direct(length: int) -> float:
            started = time.perf_counter()
            current = (await client.describe_user_pool(UserPoolId=pool_id))["UserPool"]
            request = update_request_from(current)  # what a careful script would send
            request["Policies"]["PasswordPolicy"]["MinimumLength"] = length
            await client.update_user_pool(UserPoolId=pool_id, **request)
            await client.describe_user_pool(UserPoolId=pool_id)
            return time.perf_counter() - started

        for round_ in range(warmup + updates):
            length = 8 + round_ % 4  # a real change every time
            if round_ % 2:
                gateway_time = await through_gateway(length)
                direct_time = await direct(length + 1)
            else:
                direct_time = await direct(length + 1)
                gateway_time = await through_gateway(length)
            if round_ >= warmup:
                gateway_times.append(gateway_time)
                direct_times.append(direct_time)
    return {
        "updates": updates,
        "gateway_ms": statistics.median(gateway_times) * 1000,
        "direct_ms": statistics.median(direct_times) * 1000,
    }


def grpc_load(target: str, pool_id: str, seconds: float) -> dict[str, float]:
    command = pinned([sys.executable, "-m", "bench.grpc_load", target, pool_id, str(seconds)], 1)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


async def grpc_hot_read(stack: Stack, seconds: float) -> dict[str, Any]:
    """GetUserPool of a full pool through the gateway vs a bare servicer in a process of
    its own answering with the same message, prebuilt from the gateway's bytes; each
    side ``seconds`` in all, in two halves."""
    pool_id = await new_pool(stack, "bench-grpc-hot-read")
    bare_target = f"127.0.0.1:{free_port()}"
    messages, _ = stubs.load()
    async with grpc.aio.insecure_channel(stack.grpc_target) as channel:
        raw: bytes = await channel.unary_unary(
            f"/{SERVICE}/GetUserPool",
            request_serializer=messages.GetUserPoolRequest.SerializeToString,
        )(messages.GetUserPoolRequest(id=pool_id))
    async with httpx.AsyncClient(timeout=30) as http:
        started = await http.post(
            f"{stack.bare_url}/bare/grpc",
            json={"port": bare_target.rsplit(":", 1)[1], "message": raw.hex()},
        )
        assert started.json() == {"ok": True}, started.text
    # Bare, gateway, gateway, bare: on this noisy machine the two sides drift by several
    # percent within a minute; measured in this order, a steady drift cancels out.
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "gateway": []}
    for side in ("bare", "gateway", "gateway", "bare"):
        target = bare_target if side == "bare" else stack.grpc_target
        runs[side].append(await asyncio.to_thread(grpc_load, target, pool_id, seconds / 2))
    return {side: _mean(measured) for side, measured in runs.items()}


def _mean(runs: list[dict[str, float]]) -> dict[str, float]:
    """Runs of the same side as one: their calls summed, their figures averaged."""
    combined = {key: statistics.fmean(run[key] for run in runs) for key in runs[0]}
    combined["calls"] = sum(run["calls"] for run in runs)
    return combined


async def update_burst(stack: Stack, patches: int) -> dict[str, Any]:
    """``patches`` concurrent patches of distinct settings to one pool."""
    pool_id = await new_pool(stack, "bench-update-burst")
    stack.proxy.reset()
    bodies = [
        {"userPoolTags": [{"key": f"burst-{i:03d}", "value": str(i)}]} for i in range(patches)
    ]
    async with httpx.AsyncClient(timeout=120) as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    f"{stack.server_url}/graphql",
                    json={"query": PATCH, "variables": {"id": pool_id, "patch": body}},
                )
                for body in bodies
            )
        )
    updates = stack.proxy.count("UpdateUserPool")
    async with get_session().create_client(
        "cognito-idp", region_name=REGION, endpoint_url=stack.emulator_url
    ) as client:
        tags = (await client.describe_user_pool(UserPoolId=pool_id))["UserPool"]["UserPoolTags"]
    applied = sum(1 for i in range(patches) if tags.get(f"burst-{i:03d}") == str(i))
    failed = sum(1 for a in answers if "errors" in a.json())
    return {"patches": patches, "applied": applied, "failed": failed, "update_calls": updates}


async def gateway_time(stack: Stack, updates: int) -> dict[str, Any]:
    """What the gateway itself adds to a patch: its latency minus the time its upstream
    calls spent at the proxy (median of ``updates``), with the history on and off."""
    pool_id = await new_pool(stack, "bench-gateway-time")
    found: dict[str, Any] = {"updates": updates}
    async with httpx.AsyncClient(timeout=60) as http:
        for history in (True, False):
            await http.post(f"{stack.server_url}/bench/history", json={"on": history})
            added: list[float] = []
            for round_ in range(3 + updates):
                patch = {"policies": {"passwordPolicy": {"minimumLength": 8 + round_ % 4}}}
                stack.proxy.reset()
                started = time.perf_counter()
                answer = await http.post(
                    f"{stack.server_url}/graphql",
                    json={"query": PATCH, "variables": {"id": pool_id, "patch": patch}},
                )
                latency = time.perf_counter() - started
                assert "errors" not in answer.json(), answer.text
                if round_ >= 3:
                    added.append(latency - stack.proxy.upstream_seconds())
            found["history_on_ms" if history else "history_off_ms"] = (
                statistics.median(added) * 1000
            )
        await http.post(f"{stack.server_url}/bench/history", json={"on": True})
    found["intent_ms"] = await intent_cost(updates * 10)
    return found


async def intent_cost(records: int) -> float:
    """The intent a write journals before calling Cognito, alone: median milliseconds of
    ``HistoryRecorder.intend`` on the file journal (the default without Redis)."""
    from gateway.core.record import PoolRecord
    from gateway.service.history import Author, HistoryRecorder
    from gateway.store.history import HistoryStore
    from gateway.store.journal import FileJournal
    from gateway.store.locks import LocalLocks

    with tempfile.TemporaryDirectory() as folder:
        journal = FileJournal(Path(folder) / "journal")
        store = HistoryStore.open(f"sqlite+aiosqlite:///{folder}/history.db")
        recorder = HistoryRecorder(store, LocalLocks(), frozenset(), journal=journal)
        current = PoolRecord.of({"Id": "eu-west-1_Bench", **FULL_POOL})
        planned = dict(current.request, DeletionProtection="INACTIVE")
        times = []
        for _ in range(records):
            started = time.perf_counter()
            entry = await recorder.intend(current, planned, [], [Author("api-key:bench")])
            times.append(time.perf_counter() - started)
            await recorder.abandoned(entry)
        await journal.close()
        await store.close()
    return statistics.median(times) * 1000
