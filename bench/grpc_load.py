"""A small gRPC load generator: ``python -m bench.grpc_load TARGET POOL_ID SECONDS``.

``concurrency`` callers on one grpc.aio channel call GetUserPool back to back
for ``seconds`` and the totals are printed as JSON. It is the same client for
the gateway and for the bare servicer, so their ratio compares the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import grpc

from gateway.api.grpc import stubs


async def load(target: str, pool_id: str, seconds: float, concurrency: int) -> dict[str, float]:
    messages, services = stubs.load()
    latencies: list[float] = []
    async with grpc.aio.insecure_channel(target) as channel:
        stub = services.UserPoolServiceStub(channel)
        request = messages.GetUserPoolRequest(id=pool_id)
        await stub.GetUserPool(request)  # connect and warm up
        deadline = time.perf_counter() + seconds

        async def caller() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await stub.GetUserPool(request)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "calls": len(latencies),
        "calls_per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.grpc_load")
    parser.add_argument("target")
    parser.add_argument("pool_id")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(load(args.target, args.pool_id, args.seconds, args.concurrency))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
