"""The settings tables of docs/configuration.md are generated from Settings: every field
is described, in exactly one group, and the document holds what the generator writes
now."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import FIELDS, GROUPS, Settings
from gateway.settings_doc import TITLES, tables, with_tables

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_described_and_in_exactly_one_group() -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(FIELDS)  # each once, none missing
    assert set(GROUPS) == set(Settings.model_fields) == set(TITLES)  # a table per group
    undescribed = [n for n, f in FIELDS.items() if not (f.description or "")]
    assert undescribed == []


def test_the_generated_configuration_document_is_not_stale() -> None:
    text = DOCUMENT.read_text()
    assert with_tables(text) == text, "run `gateway export-settings --write`"
    for name in FIELDS:
        assert f"| `GATEWAY_{name.upper()}` |" in tables()
