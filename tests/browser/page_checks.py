"""Checks run inside a rendered page: text that overflows its box, and characters with no glyph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

HERE = Path(__file__).resolve().parent
OVERFLOW = (HERE / "overflow.js").read_text(encoding="utf-8")
GLYPHS = (HERE / "glyphs.js").read_text(encoding="utf-8")


def overflow_faults(page: Page) -> list[str]:
    return page.evaluate(OVERFLOW)  # type: ignore[no-any-return]


def missing_glyphs(page: Page, extra: str = "") -> dict[str, Any]:
    return page.evaluate(GLYPHS, extra)  # type: ignore[no-any-return]
