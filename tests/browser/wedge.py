"""A keyboard-wedge scanner, as the browser sees it: a fast burst of keystrokes ending in Enter."""

from __future__ import annotations

import json

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

GS = "\x1d"
# Playwright types each key over a round trip to the browser; on a loaded two-core machine those
# arrive less evenly than a scanner's, so the station's burst thresholds are set looser here.
TEST_SCANNER = {"maxAvgGapMs": 100, "resetGapMs": 400}


def scan(page: Page, data: str, *, wait: bool = True) -> None:
    """Type `data` the way a scanner does (GS as Ctrl+]) and wait until the screen has answered it."""
    before = page.evaluate("window.__shown || 0")
    for part_index, part in enumerate(data.split(GS)):
        if part_index:
            page.keyboard.press("Control+BracketRight")
        if part:
            page.keyboard.type(part, delay=0)
    page.keyboard.press("Enter")
    if wait:
        try:
            page.wait_for_function("n => (window.__shown || 0) > n", arg=before)
        except PlaywrightTimeout as exc:
            seen = page.evaluate("JSON.stringify(window.__scans || [])")
            banner = page.inner_text("#banner") if page.locator("#banner").count() else ""
            raise AssertionError(
                f"the screen did not answer the scan {data!r}; scans read: {seen}; banner: {banner!r}"
            ) from exc


def count_answers(page: Page, scanner: dict[str, int] | None = None) -> None:
    """Count the screen's answers to scans (the page announces each with a kaeru:shown event)."""
    settings = json.dumps(scanner if scanner is not None else TEST_SCANNER)
    page.add_init_script(f"""
        localStorage.setItem("kaeru.scanner", {json.dumps(settings)});
        window.__scans = [];
        window.addEventListener("kaeru:scan", (e) => window.__scans.push(e.detail.raw));
        window.addEventListener("kaeru:shown", () => {{ window.__shown = (window.__shown || 0) + 1; }});
    """)
