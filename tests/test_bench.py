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
        "8. hot GET",
    ):
        assert scenario in report
    assert "quick run" in report
    assert "0 failed reads" in report and "5 applied, 0 failed" in report
