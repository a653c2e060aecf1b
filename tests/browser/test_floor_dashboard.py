"""The live floor dashboard, and what an associate's screens offer (and the API allows) them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.wedge import count_answers, scan

pytestmark = pytest.mark.browser
SHIRT = "09506000134352"
BOOT = "00614141123452"


@pytest.fixture(scope="module", autouse=True)
def catalogue(site: Site) -> None:
    site.item("DB-SHIRT", SHIRT, weight_g=300)
    site.item("DB-BOOT", BOOT, weight_g=900, category="shoes")
    site.receive("DB-SHIRT", 10, "A-03-1")
    site.receive("DB-BOOT", 10, "A-04-1")


def held_return(site: Site, number: str) -> dict[str, Any]:
    """A return whose parcel held a different item than shipped: on hold for a manager."""
    site.order(number, [("DB-SHIRT", 1)])
    site.release([number])
    site.pick_all({"DB-SHIRT": SHIRT})
    site.ship(number, {SHIRT: ["300"]})
    rma = site.call(
        "POST",
        "/api/v1/returns",
        "associate",
        expect=201,
        json={
            "warehouse": "WH1",
            "order": number,
            "lines": [{"sku": "DB-SHIRT", "reason": "size_too_large"}],
        },
    )
    site.call("POST", "/api/v1/returns/station/start", "associate", json={"station": "RET-2"})
    site.call("POST", "/api/v1/scans", "associate", json={"raw": f"]C0{rma['code']}"})
    site.call("POST", "/api/v1/scans", "associate", json={"raw": f"]E0{BOOT[1:]}"})
    held = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert held["status"] == "on_hold"
    return held  # type: ignore[no-any-return]


def test_a_scan_made_through_the_api_appears_on_the_dashboard_within_a_second(site: Site, page: Page) -> None:
    site.sign_in(page, "manager", "dashboard")
    expect(page.locator("#live-state")).to_have_class("live-state live")
    before = int(page.inner_text("#scans-now"))
    started = time.monotonic()
    site.call("POST", "/api/v1/scans", "receiver", json={"raw": "]C0LOC-A-01-1"})
    expect(page.locator("#scans-now")).to_have_text(str(before + 1), timeout=1000)
    assert time.monotonic() - started < 1.5


def test_a_printer_out_of_paper_shows_on_the_dashboard(site: Site, page: Page) -> None:
    site.sign_in(page, "manager", "dashboard")
    expect(page.locator("#live-state")).to_have_class("live-state live")
    site.call(
        "POST",
        "/api/v1/devices/health",
        "manager",
        json={"device": "PACK-1-PRINTER", "state": "fault", "detail": "paper out"},
    )
    chip = page.locator("[data-device=PACK-1-PRINTER]")
    expect(chip).to_have_attribute("data-state", "fault", timeout=3000)
    expect(chip).to_contain_text("paper out")
    screenshot(page, "dashboard-fault-en")


def test_a_manager_approves_a_fraud_hold_from_the_dashboard(site: Site, page: Page) -> None:
    held = held_return(site, "DB-1")
    site.sign_in(page, "manager", "dashboard")
    hold = page.locator(f"[data-rma={held['code']}]")
    expect(hold).to_contain_text("Different item returned")
    expect(hold.locator(".evidence")).not_to_have_count(0)
    # Evidence in sentences, not raw data.
    expect(hold.locator(".evidence").first).to_contain_text("Scanned ")
    evidence = " ".join(hold.locator(".evidence").all_inner_texts())
    assert not any(mark in evidence for mark in ('{"', '":', "[{", "null")), evidence
    screenshot(page, "dashboard-hold-en")
    hold.locator("[data-action=approve]").click()
    expect(page.locator("#banner .headline")).to_have_text("Approved")
    assert site.call("GET", f"/api/v1/returns/{held['code']}", "manager")["holds"][0]["status"] == "approved"


def test_an_associate_is_offered_no_hold_review_and_the_api_refuses_it(site: Site, page: Page) -> None:
    held = held_return(site, "DB-2")
    count_answers(page)
    site.sign_in(page, "associate", "returns")
    scan(page, f"]C0{held['code']}")
    expect(page.locator("#flags [data-signal=different_item]")).to_be_visible()
    expect(page.locator("#approve")).to_be_hidden()
    expect(page.locator("#reject")).to_be_hidden()
    page.goto(f"{site.url}/ui/dashboard")
    page.wait_for_function("document.body.dataset.screen === 'denied'")
    expect(page.locator("[data-action]")).to_have_count(0)
    hold_id = held["holds"][0]["id"]
    for decision in ("approve", "reject"):
        refused = site.call(
            "POST", f"/api/v1/returns/holds/{hold_id}/{decision}", "associate", expect=403, json={}
        )
        assert "may not" in refused["message"]
    site.call("GET", "/api/v1/returns/holds", "associate", expect=403)


def test_a_packer_is_not_offered_the_managers_weight_override(site: Site, page: Page) -> None:
    site.sign_in(page, "packer", "pack")
    expect(page.locator("#override-row")).to_be_hidden()
    page.goto(f"{site.url}/ui/login?next=/ui/pack")
    page.fill("#username", "manager")
    page.fill("#password", "floor-password-1")
    page.click("button[type=submit]")
    page.wait_for_function("document.body.dataset.screen === 'ready'")
    expect(page.locator("#override-row")).to_be_visible()


def test_the_order_counts_are_the_databases_at_any_size(site: Site, page: Page) -> None:
    """More than 2,000 orders (the dashboard once counted only the newest 500): each state's figure
    on screen is the database's own count."""
    import secrets

    from sqlalchemy import func, insert
    from sqlmodel import select

    from wms.fulfilment.tables import Order, Shopper
    from wms.inventory.tables import Warehouse

    states = ["picked", "shipped", "delivered", "reserved"]

    def fill(session: Any) -> None:
        wh1 = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        shopper = session.exec(select(Shopper)).first()
        rows = [
            {
                "warehouse_id": wh1.id,
                "merchant_id": shopper.merchant_id,
                "number": f"BULK-{n}",
                "shopper_id": shopper.id,
                "status": states[n % 7 % len(states)],
                "ship_to": {},
                "tracking_token": secrets.token_urlsafe(16),
            }
            for n in range(2100)
        ]
        session.execute(insert(Order), rows)

    site.order("DB-FIRST", [("DB-SHIRT", 1)])  # its shopper places the bulk orders too
    site.kaeru.db.write(fill)
    with site.kaeru.db.read() as session:
        expected = dict(session.exec(select(Order.status, func.count()).group_by(Order.status)).all())
    site.sign_in(page, "manager", "dashboard")
    expect(page.locator("#live-state")).to_have_class("live-state live")
    for status, count in expected.items():
        expect(page.locator(f"#orders .bar[data-key={status}] .value")).to_have_text(f"{count:,}")
    assert sum(expected.values()) > 2000

    # A new order reaches the dashboard live, and the counts stay the database's.
    site.order("DB-LIVE", [("DB-SHIRT", 1)])
    with site.kaeru.db.read() as session:
        expected = dict(session.exec(select(Order.status, func.count()).group_by(Order.status)).all())
    for status, count in expected.items():
        expect(page.locator(f"#orders .bar[data-key={status}] .value")).to_have_text(f"{count:,}")
