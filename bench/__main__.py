"""``uv run python -m bench [--quick] [--out bench/results.md]``

Runs every scenario once, against baselines measured in the same run, and
writes a markdown table of ratios. ``--quick`` runs each at a tiny size (the
smoke test uses it so the harness cannot rot); its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.harness import ROOT, running_stack
from gateway.demo.emulator import use_emulator_credentials

QUICK_NOTE = " (quick run: sizes too small to mean anything)"
TARGETS = {
    "hot_read_ratio": 0.9,
    "cold_burst_calls": 1,
    "update_overhead_ratio": 1.3,
    "rss_mb": 200,
    "grpc_hot_read_ratio": 0.8,
    "public_settings_ratio": 1.0,
    "client_hot_read_ratio": 0.9,  # as the pool's hot read
    "frontend_config_ratio": 1.0,  # as public settings
    "intent_ms": 1.0,
}


def sizes(quick: bool) -> dict[str, Any]:
    if quick:
        return {"seconds": 1, "readers": 10, "updates": 3, "patches": 5}
    return {"seconds": 10, "readers": 200, "updates": 80, "patches": 50}


async def run(quick: bool, log_dir: Path) -> dict[str, Any]:
    size = sizes(quick)
    results: dict[str, Any] = {}
    with running_stack(log_dir) as stack:
        print("hot read ...", file=sys.stderr, flush=True)
        results["hot_read"] = await scenarios.hot_read(stack, size["seconds"])
        print("cold burst ...", file=sys.stderr, flush=True)
        results["cold_burst"] = await scenarios.cold_burst(stack, size["readers"])
        print("update overhead ...", file=sys.stderr, flush=True)
        results["update_overhead"] = await scenarios.update_overhead(stack, size["updates"])
        print("update burst ...", file=sys.stderr, flush=True)
        results["update_burst"] = await scenarios.update_burst(stack, size["patches"])
        print("public settings ...", file=sys.stderr, flush=True)
        results["public_settings"] = await scenarios.public_settings(stack, size["seconds"])
        print("app client hot read ...", file=sys.stderr, flush=True)
        results["client_hot_read"] = await scenarios.client_hot_read(stack, size["seconds"])
        print("frontend config ...", file=sys.stderr, flush=True)
        results["frontend_config"] = await scenarios.frontend_config(stack, size["seconds"])
        print("grpc hot read ...", file=sys.stderr, flush=True)
        results["grpc_hot_read"] = await scenarios.grpc_hot_read(stack, size["seconds"])
        print("grpc update overhead ...", file=sys.stderr, flush=True)
        results["grpc_update_overhead"] = await scenarios.grpc_update_overhead(
            stack, size["updates"]
        )
        print("gateway time per patch, history on and off ...", file=sys.stderr, flush=True)
        results["gateway_time"] = await scenarios.gateway_time(stack, size["updates"])
    return results


def mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(results: dict[str, Any], quick: bool) -> str:
    hot = results["hot_read"]
    bare, gateway = hot["bare"], hot["gateway"]
    hot_ratio = gateway.requests_per_second / bare.requests_per_second
    cold = results["cold_burst"]
    overhead = results["update_overhead"]
    overhead_ratio = overhead["gateway_ms"] / overhead["direct_ms"]
    burst = results["update_burst"]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}{QUICK_NOTE if quick else ''}.",
        "Every ratio compares figures measured side by side in this one run.",
        "",
        "| scenario | measured | baseline (same run) | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| 1. hot read, full-pool `userPool` query over HTTP | {gateway.requests_per_second:,.0f} "
        f"req/s, p50 {gateway.p50_ms:.2f} ms, p99 {gateway.p99_ms:.2f} ms | bare FastAPI "
        f"endpoint, same JSON: {bare.requests_per_second:,.0f} req/s, p50 {bare.p50_ms:.2f} ms, "
        f"p99 {bare.p99_ms:.2f} ms | {hot_ratio:.2f} | >= {TARGETS['hot_read_ratio']} | "
        f"{mark(hot_ratio >= TARGETS['hot_read_ratio'])} |",
        f"| 2. cold burst: {cold['readers']} concurrent reads of an uncached pool | "
        f"{cold['describe_calls']} DescribeUserPool call(s), {cold['failed']} failed reads | "
        f"{cold['readers']} reads | {cold['describe_calls']}/{cold['readers']} | "
        f"{TARGETS['cold_burst_calls']} call | {mark(cold['describe_calls'] == 1)} |",
        f"| 3. update overhead (median of {overhead['updates']}) | gateway patch "
        f"{overhead['gateway_ms']:.1f} ms | aiobotocore Describe + Update + Describe "
        f"{overhead['direct_ms']:.1f} ms | {overhead_ratio:.2f} | <= "
        f"{TARGETS['update_overhead_ratio']} | "
        f"{mark(overhead_ratio <= TARGETS['update_overhead_ratio'])} |",
        f"| 4. update burst: {burst['patches']} concurrent patches of distinct settings | "
        f"{burst['applied']} applied, {burst['failed']} failed, {burst['update_calls']} "
        f"UpdateUserPool calls | {burst['patches']} patches | "
        f"{burst['update_calls']}/{burst['patches']} | all applied | "
        f"{mark(burst['applied'] == burst['patches'])} |",
        f"| 5. memory after the hot-read run ({hot['reads']:,} reads) | RSS "
        f"{hot['rss_mb']:.0f} MB | | | < {TARGETS['rss_mb']} MB | "
        f"{mark(hot['rss_mb'] < TARGETS['rss_mb'])} |",
        *grpc_rows(results),
        public_row(results),
        gateway_time_row(results),
        *client_rows(results),
        "",
        "Setup: one uvicorn worker (uvloop, httptools) pinned to core 0, `wrk -t1 -c16` "
        "pinned to core 1, moto behind a counting proxy on loopback; the bare endpoints live "
        "in a process of their own (`bench/bare.py`: FastAPI, no middleware), on the same "
        "stack and core, serving the gateway's exact bytes. gRPC: a grpc.aio client with 16 "
        "callers (`bench/grpc_load.py`) pinned to core 1, against the gateway's server and "
        "a bare servicer in that other process. Reproduce with `uv run python -m bench`.",
    ]
    return "\n".join(lines) + "\n"


def public_row(results: dict[str, Any]) -> str:
    public = results["public_settings"]
    bare, gateway = public["bare"], public["gateway"]
    ratio = gateway.requests_per_second / bare.requests_per_second
    return (
        f"| 8. hot GET /pools/{{id}}/public-settings | {gateway.requests_per_second:,.0f} req/s, "
        f"p50 {gateway.p50_ms:.2f} ms, p99 {gateway.p99_ms:.2f} ms | bare FastAPI endpoint, same "
        f"JSON: {bare.requests_per_second:,.0f} req/s, p50 {bare.p50_ms:.2f} ms | {ratio:.2f} | "
        f">= {TARGETS['public_settings_ratio']} | "
        f"{mark(ratio >= TARGETS['public_settings_ratio'])} |"
    )


def client_rows(results: dict[str, Any]) -> list[str]:
    rows = []
    for number, (key, what, baseline, target) in enumerate(
        (
            ("client_hot_read", "hot read of an app client (GraphQL, every field)",
             "bare FastAPI endpoint, same JSON", "client_hot_read_ratio"),
            ("frontend_config", "hot GET /pools/{id}/clients/{id}/frontend-config",
             "bare FastAPI endpoint, same JSON", "frontend_config_ratio"),
        ),
        start=10,
    ):  # fmt: skip
        bare, gateway = results[key]["bare"], results[key]["gateway"]
        ratio = gateway.requests_per_second / bare.requests_per_second
        rows.append(
            f"| {number}. {what} | {gateway.requests_per_second:,.0f} req/s, p50 "
            f"{gateway.p50_ms:.2f} ms, p99 {gateway.p99_ms:.2f} ms | {baseline}: "
            f"{bare.requests_per_second:,.0f} req/s, p50 {bare.p50_ms:.2f} ms | {ratio:.2f} | "
            f">= {TARGETS[target]} | {mark(ratio >= TARGETS[target])} |"
        )
    return rows


def gateway_time_row(results: dict[str, Any]) -> str:
    found = results["gateway_time"]
    history_costs = found["history_on_ms"] - found["history_off_ms"]
    return (
        f"| 9. time the gateway adds to a patch (latency minus upstream time at the proxy, "
        f"median of {found['updates']}) | history on {found['history_on_ms']:.2f} ms; the "
        f"intent record alone {found['intent_ms']:.3f} ms | history off "
        f"{found['history_off_ms']:.2f} ms | +{history_costs:.2f} ms | "
        f"intent <= {TARGETS['intent_ms']} ms | "
        f"{mark(found['intent_ms'] <= TARGETS['intent_ms'])} |"
    )


def grpc_rows(results: dict[str, Any]) -> list[str]:
    hot = results["grpc_hot_read"]
    bare, gateway = hot["bare"], hot["gateway"]
    ratio = gateway["calls_per_second"] / bare["calls_per_second"]
    overhead = results["grpc_update_overhead"]
    overhead_ratio = overhead["gateway_ms"] / overhead["direct_ms"]
    return [
        f"| 6. gRPC hot read, full-pool GetUserPool | {gateway['calls_per_second']:,.0f} calls/s, "
        f"p50 {gateway['p50_ms']:.2f} ms, p99 {gateway['p99_ms']:.2f} ms | bare grpc.aio "
        f"servicer, same prebuilt message: {bare['calls_per_second']:,.0f} calls/s, p50 "
        f"{bare['p50_ms']:.2f} ms, p99 {bare['p99_ms']:.2f} ms | {ratio:.2f} | >= "
        f"{TARGETS['grpc_hot_read_ratio']} | {mark(ratio >= TARGETS['grpc_hot_read_ratio'])} |",
        f"| 7. gRPC update overhead (median of {overhead['updates']}) | FieldMask update "
        f"{overhead['gateway_ms']:.1f} ms | aiobotocore Describe + Update + Describe "
        f"{overhead['direct_ms']:.1f} ms | {overhead_ratio:.2f} | <= "
        f"{TARGETS['update_overhead_ratio']} | "
        f"{mark(overhead_ratio <= TARGETS['update_overhead_ratio'])} |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument("--logs", type=Path, default=ROOT / "bench" / "logs")
    args = parser.parse_args()
    use_emulator_credentials()  # the bench's own clients talk to the emulator only
    results = asyncio.run(run(args.quick, args.logs))
    text = report(results, args.quick)
    args.out.write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
