"""The screens' string tables: every language says everything English says, with the same slots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk_ui.i18n import LANGUAGES, REFERENCE, load_table, table_faults

STATIC = Path(__file__).resolve().parents[3] / "kiosk_ui" / "static"


def test_the_screens_speak_english_japanese_and_ukrainian() -> None:
    assert {"en", "ja", "uk"} <= set(LANGUAGES)
    assert LANGUAGES[0] == REFERENCE


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != REFERENCE])
def test_a_translation_has_every_key_of_the_english_table_with_the_same_placeholders(code: str) -> None:
    assert table_faults(load_table(REFERENCE), load_table(code)) == []


def test_a_translation_that_drops_a_placeholder_is_reported() -> None:
    faults = table_faults({"pack.started": "Packing order {order}"}, {"pack.started": "Пакування замовлення"})
    assert faults == ["'pack.started' has placeholders [], expected ['order']"]


def test_a_translation_missing_a_key_is_reported() -> None:
    assert table_faults({"a": "A", "b": "B"}, {"a": "あ"}) == ["missing 'b'"]


def test_every_key_the_pages_and_scripts_name_is_in_the_english_table() -> None:
    english = load_table(REFERENCE)
    named: set[str] = set()
    for path in STATIC.rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text(encoding="utf-8")
            named |= set(re.findall(r'data-i18n(?:-\w+)?="([\w.]+)"', text))
            named |= set(re.findall(r'\bt\("([\w.]+)"', text))
    assert named, "no keys found: the pattern no longer matches the pages"
    assert sorted(k for k in named if k not in english) == []


def test_every_label_and_print_state_the_server_reports_has_words_on_the_screens() -> None:
    from wms.notify.print_labels import LABELS
    from wms.notify.printing import JOB_STATE

    english = load_table(REFERENCE)
    states = {*JOB_STATE.values(), "waiting"}
    missing = [f"print.label.{k}" for k in LABELS if f"print.label.{k}" not in english]
    missing += [f"print.state.{s}" for s in states if f"print.state.{s}" not in english]
    assert missing == []
