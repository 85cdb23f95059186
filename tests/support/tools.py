"""Command-line tools the suite drives, installed (pinned) by ``tests/setup.sh``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tests" / ".tools" / "node_modules"
BUF = NODE_MODULES / ".bin" / "buf"
