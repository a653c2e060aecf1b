"""A keyboard-wedge scanner, as the browser sees it: a fast burst of keystrokes ending in Enter."""

from __future__ import annotations

from playwright.sync_api import Page

GS = "\x1d"


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
        page.wait_for_function("n => (window.__shown || 0) > n", arg=before)


def count_answers(page: Page) -> None:
    """Count the screen's answers to scans (the page announces each with a kaeru:shown event)."""
    page.add_init_script(
        "window.addEventListener('kaeru:shown', () => { window.__shown = (window.__shown || 0) + 1; });"
    )
