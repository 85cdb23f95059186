"""Smoke test: every benchmark scenario runs once at a tiny size, so the harness
cannot rot. It asserts that each scenario produced its figures, never how fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_scenario_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--out",
            str(out),
            "--logs",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = out.read_text()
    for scenario in (
        "1. hot read",
        "2. cold burst",
        "3. update overhead",
        "4. update burst",
        "5. memory",
        "6. gRPC hot read",
        "7. gRPC update overhead",
        "10. hot read of an app client",
        "11. hot GET /pools/{id}/clients/{id}/frontend-config",
        "8. hot GET",
        "9. time the gateway adds",
    ):
        assert scenario in report
    assert "quick run" in report
    assert "0 failed reads" in report and "5 applied, 0 failed" in report


def test_wrk_percentiles_are_read_from_the_distribution_not_the_thread_stats() -> None:
    """A "+/- Stdev" of 95.50% once passed for the p50 line (and failed the run)."""
    from bench.scenarios import parse_wrk

    output = """  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  500.00us  10.00ms   95.50%
    Req/Sec     9.00k   300.00    10.00k    69.99%
  Latency Distribution
     50%    1.10ms
     99%    2.40ms
  9000 requests in 1.00s, 1.00MB read
Requests/sec:   9000.00
"""
    load = parse_wrk(output)
    assert (load.p50_ms, load.p99_ms, load.requests) == (1.1, 2.4, 9000)
