"""The picker view on a handheld-sized screen: next task, location, item, quantity, scans, shorts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.wedge import count_answers, scan

pytestmark = pytest.mark.browser
SOCK = "09506000134352"
CAP = "00614141123452"


@pytest.fixture
def handheld(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    count_answers(page)
    yield page
    ctx.close()


@pytest.fixture(scope="module", autouse=True)
def catalogue(site: Site) -> None:
    site.item("PI-SOCK", SOCK, weight_g=80)
    site.item("PI-CAP", CAP, weight_g=120)
    site.receive("PI-SOCK", 10, "B-03-2")
    site.receive("PI-CAP", 1, "P-02-1")
    site.receive("PI-CAP", 5, "C-04-1")


def test_a_picker_confirms_a_task_by_scanning_location_then_items(site: Site, handheld: Page) -> None:
    site.order("PI-1", [("PI-SOCK", 2)])
    site.release(["PI-1"])
    site.sign_in(handheld, "picker", "pick")
    expect(handheld.locator("#location")).to_have_text("B-03-2")
    expect(handheld.locator("#sku")).to_have_text("PI-SOCK")
    expect(handheld.locator("#quantity")).to_have_text("2")
    expect(handheld.locator("#step")).to_have_text("Scan the location B-03-2")
    screenshot(handheld, "pick-task-en")
    scan(handheld, "]C0LOC-B-03-2")
    expect(handheld.locator("#step")).to_have_text("Scan the item")
    scan(handheld, f"]E0{SOCK[1:]}")
    expect(handheld.locator("#quantity")).to_have_text("1")
    scan(handheld, f"]E0{SOCK[1:]}")
    expect(handheld.locator("#banner .headline")).to_have_text("Task complete")
    order = next(o for o in site.call("GET", "/api/v1/orders?limit=50") if o["number"] == "PI-1")
    assert order["status"] == "picked"


def test_a_wrong_location_is_refused_and_the_task_does_not_move(site: Site, handheld: Page) -> None:
    site.order("PI-2", [("PI-SOCK", 1)])
    site.release(["PI-2"])
    site.sign_in(handheld, "picker", "pick")
    expect(handheld.locator("#location")).to_have_text("B-03-2")
    scan(handheld, "]C0LOC-A-01-1")
    expect(handheld.locator("#banner")).to_have_class("banner wrong")
    expect(handheld.locator("#banner .detail")).to_contain_text("go to B-03-2")
    assert handheld.evaluate("document.body.dataset.lastBeep") == "wrong"
    expect(handheld.locator("#step")).to_have_text("Scan the location B-03-2")
    scan(handheld, "]C0LOC-B-03-2")
    scan(handheld, f"]E0{SOCK[1:]}")
    expect(handheld.locator("#banner .headline")).to_have_text("Task complete")


def test_a_short_reported_by_touch_sends_the_picker_to_another_bin(site: Site, handheld: Page) -> None:
    site.order("PI-3", [("PI-CAP", 1)])
    site.release(["PI-3"])
    site.sign_in(handheld, "picker", "pick")
    expect(handheld.locator("#location")).to_have_text("P-02-1")
    handheld.tap("#short")
    expect(handheld.locator("#missing")).to_have_value("1")
    handheld.tap("#short-dialog button[value=confirm]")
    expect(handheld.locator("#banner")).to_have_class("banner hold")
    expect(handheld.locator("#location")).to_have_text("C-04-1")
    scan(handheld, "]C0LOC-C-04-1")
    scan(handheld, f"]E0{CAP[1:]}")
    expect(handheld.locator("#banner .headline")).to_have_text("Task complete")
