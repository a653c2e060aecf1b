"""The receiver's station in Chromium, at a LAN hostname over plain HTTP, in Japanese: a whole receipt
against a purchase order (a pallet's license plate, GS1 codes with lot and expiry, an over-receipt
with its reason), the pallet put away by scanning it and then the bin the screen suggests, and a
blind count whose variance waits for a manager.

The GS1 codes carry GS1's own example GTIN 09506000134352 (GS1 General Specifications, the GS1
DataMatrix guideline's worked example), with lots and expiry dates of our choosing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.site import PASSWORD, Site
from tests.browser.test_lan_http import lan_page, lan_url  # noqa: F401 - the LAN Chromium fixture
from tests.browser.wedge import GS, scan

pytestmark = pytest.mark.browser
MILK = "09506000134352"
ENGLISH_SENTENCE = re.compile(r"\b[A-Z][a-z]+ (?:[a-z]+ ){2,}[a-z]+\b")


def _gs1(lot: str, expiry: str, count: int) -> str:
    return f"]C101{MILK}17{expiry}30{count}{GS}10{lot}"


def _sign_in(page: Page, site: Site, who: str) -> None:
    page.goto(f"{lan_url(site)}/ui/login?next=/ui/receive%3Flang%3Dja")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/ui/receive**")
    page.wait_for_function("document.body.dataset.screen === 'ready'")


def _no_english(page: Page) -> None:
    text = page.inner_text("main")
    assert not ENGLISH_SENTENCE.search(text), text


def test_a_whole_receipt_put_away_and_blind_count_at_a_lan_hostname_in_japanese(
    site: Site,
    lan_page: Page,  # noqa: F811 - the fixture imported above
) -> None:
    site.item("LAN-MILK", MILK, tracking="lot", category="food")
    site.call(
        "POST",
        "/api/v1/warehouses/WH1/purchase-orders",
        "receiver",
        expect=201,
        json={"number": "PO-LAN-1", "supplier": "Dairy", "lines": [{"sku": "LAN-MILK", "quantity": 10}]},
    )
    page = lan_page
    _sign_in(page, site, "receiver")
    assert page.evaluate("window.isSecureContext") is False
    page.select_option("#po", "PO-LAN-1")
    expect(page.locator("#po-lines")).to_contain_text("10 点中 0 点入荷済み")

    scan(page, "]C0LPN-PAL-LAN-1")
    expect(page.locator("#plate")).to_have_text("PAL-LAN-1")
    scan(page, _gs1("LOT-A", "270131", 6))
    expect(page.locator("#banner .headline")).to_have_text("LAN-MILK を 6 点入荷しました")
    expect(page.locator("#banner .detail")).to_contain_text("LOT-A")
    expect(page.locator("#banner .detail")).to_contain_text("2027-01-31")
    scan(page, _gs1("LOT-B", "270228", 4))
    expect(page.locator("#po-lines")).to_contain_text("10 点中 10 点入荷済み")
    _no_english(page)

    scan(page, _gs1("LOT-B", "270228", 2), wait=False)  # two more than ordered: the screen asks why
    expect(page.locator("#over-dialog")).to_be_visible()
    expect(page.locator("#over-text")).to_contain_text("2 点多く")
    page.fill("#over-reason", "サプライヤーの予備品")
    page.click("#over-dialog button[value=confirm]")
    expect(page.locator("#po-lines")).to_contain_text("10 点中 12 点入荷済み")
    po = site.call("GET", "/api/v1/warehouses/WH1/purchase-orders/PO-LAN-1", "receiver")
    assert (po["lines"][0]["received"], po["lines"][0]["variance_reason"]) == (12, "サプライヤーの予備品")

    page.click("#tab-putaway")
    scan(page, "]C0LPN-PAL-LAN-1")
    suggested = page.inner_text("#suggested")
    assert re.fullmatch(r"[A-Z]-\d\d-\d|P-\d\d-\d", suggested), suggested
    expect(page.locator("#plate-contents")).to_contain_text("LOT-A")
    _no_english(page)
    scan(page, f"]C0LOC-{suggested}")
    expect(page.locator("#banner .headline")).to_have_text(f"PAL-LAN-1 を {suggested} に格納しました")
    stock = site.call("GET", f"/api/v1/warehouses/WH1/stock?sku=LAN-MILK&location={suggested}", "receiver")
    assert {(r["lot"], r["expiry"], r["quantity"]) for r in stock} == {
        ("LOT-A", "2027-01-31", 6),
        ("LOT-B", "2027-02-28", 6),
    }

    site.call(
        "POST",
        "/api/v1/warehouses/WH1/count-tasks",
        "manager",
        expect=201,
        json={"sku": "LAN-MILK", "location": suggested, "lot": "LOT-A", "tolerance": 1},
    )
    page.click("#tab-count")
    page.click("#count-tasks button")
    expect(page.locator("#count-label")).to_contain_text(suggested)
    assert "6" not in page.inner_text("#count-card"), "a blind count shows no expected quantity"
    page.fill("#counted", "3")
    page.click("#count-form button[type=submit]")
    expect(page.locator("#banner .headline")).to_have_text("数はマネージャーの承認待ちです")
    _no_english(page)
    held = site.call("GET", "/api/v1/warehouses/WH1/count-tasks?status=awaiting_approval", "manager")
    assert [(t["counted"], t["on_hand"]) for t in held] == [(3, 6)]
