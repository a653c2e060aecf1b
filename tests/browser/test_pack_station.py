"""The pack station screen, driven by a keyboard-wedge scanner and touches in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.wedge import count_answers, scan
from tests.browser.zebra import Zebra, zebra_for
from wms.platform.tables import OutboxMessage

pytestmark = pytest.mark.browser
TEE = "09506000134352"
MUG = "00614141123452"


def picked_order(site: Site, number: str) -> None:
    site.order(number, [("PK-TEE", 2), ("PK-MUG", 1)])
    site.release([number])
    site.pick_all({"PK-TEE": TEE, "PK-MUG": MUG})


@pytest.fixture(scope="module", autouse=True)
def catalogue(site: Site) -> None:
    site.item("PK-TEE", TEE, weight_g=250)
    site.item("PK-MUG", MUG, weight_g=400)
    site.receive("PK-TEE", 20, "A-01-1")
    site.receive("PK-MUG", 20, "A-02-1")


def print_jobs(site: Site, order: str) -> list[str]:
    with site.kaeru.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "print")).all()
        return sorted(m.payload["label"] for m in rows if m.payload.get("order") == order)


def pack_by_scanner(site: Site, page: Page, number: str) -> None:
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    scan(page, f"]C0ORD-{number}")
    expect(page.locator("#order-number")).to_have_text(number)
    scan(page, f"]E0{TEE[1:]}")
    scan(page, f"]E0{MUG[1:]}")
    scan(page, f"]E0{TEE[1:]}")
    expect(page.locator("#banner .headline")).to_have_text("Everything is packed")
    page.fill("#typed-weight", str(2 * 250 + 400 + 180))
    page.click("#close")
    # Closed: its tracking number is shown (the banner then speaks of the labels if a printer is not ready).
    expect(page.locator("#tracking")).not_to_be_empty()
    expect(page.locator("#labels-jobs li")).to_have_count(2)


def test_the_pack_flow_by_scanner_ends_with_both_labels_printed_on_the_simulated_printer(
    site: Site, page: Page
) -> None:
    with zebra_for(site.kaeru, "PACK-1-PRINTER") as zebra:
        picked_order(site, "PK-1")
        pack_by_scanner(site, page, "PK-1")
        tracking = site.call("GET", "/api/v1/orders?number=PK-1")[0]["shipments"][0]["tracking_number"]
        expect(page.locator("#tracking")).to_have_text(tracking)
        assert print_jobs(site, "PK-1") == ["return_label", "shipping_label"]
        labels = zebra.printed(2)
        printed_codes = set().union(*(Zebra.codes(label) for label in labels))
        assert tracking in printed_codes
        # (The shipping label is the carrier's own, as the carrier sent it: its barcodes are the
        # carrier's, the carton's SSCC is on Kaeru's packing documents, not on it.)
        assert any(code.startswith("RMA:") for code in printed_codes)  # the return label's QR
    page.click("#ship")
    expect(page.locator("#banner .headline")).to_contain_text("Handed to the carrier")
    screenshot(page, "pack-shipped-en")
    order = next(o for o in site.call("GET", "/api/v1/orders?limit=50") if o["number"] == "PK-1")
    assert order["status"] == "shipped"


def test_an_item_not_on_the_order_is_refused_with_a_wrong_beep(site: Site, page: Page) -> None:
    site.item("PK-OTHER", "05012345678900")
    picked_order(site, "PK-2")
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    scan(page, "]C0ORD-PK-2")
    scan(page, "]E05012345678900")
    expect(page.locator("#banner")).to_have_class("banner wrong")
    assert page.evaluate("document.body.dataset.lastBeep") == "wrong"
    expect(page.locator("#lines li.done")).to_have_count(0)


def test_the_scale_reading_of_the_station_is_shown_and_used_to_close(site: Site, page: Page) -> None:
    picked_order(site, "PK-3")
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    scan(page, "]C0ORD-PK-3")
    for gtin in (TEE, MUG, TEE):
        scan(page, f"]E0{gtin[1:]}")
    device = site.call("POST", "/api/v1/devices/PACK-1-AGENT/tokens", expect=201)["token"]
    site.tokens["agent"] = device
    site.call("POST", "/api/v1/devices/weights", "agent", json={"grams": 1090, "stable": True})
    expect(page.locator("#weight")).to_have_text("1,090 g", timeout=5000)
    expect(page.locator("#weight-state")).to_have_text("Stable")
    page.click("#close")
    # Closed: its tracking number is shown (the banner then speaks of the labels if a printer is not ready).
    expect(page.locator("#tracking")).not_to_be_empty()
    expect(page.locator("#labels-jobs li")).to_have_count(2)
    carton = site.call("GET", "/api/v1/orders?limit=50")
    assert next(o for o in carton if o["number"] == "PK-3")["status"] == "packed"


def test_a_scan_in_a_focused_field_is_taken_as_a_scan_not_as_typing(site: Site, page: Page) -> None:
    picked_order(site, "PK-4")
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    page.focus("#typed-weight")
    scan(page, "]C0ORD-PK-4")
    expect(page.locator("#order-number")).to_have_text("PK-4")
    assert page.input_value("#typed-weight") == ""


def test_a_reload_mid_carton_carries_on_with_the_open_carton(site: Site, page: Page) -> None:
    picked_order(site, "PK-RELOAD")
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    scan(page, "]C0ORD-PK-RELOAD")
    scan(page, f"]E0{TEE[1:]}")
    expect(page.locator("#lines li.done")).to_have_count(0)  # one tee of two: the line is not done yet
    page.reload()
    count_answers(page)
    expect(page.locator("#banner .headline")).to_have_text("Carrying on with order PK-RELOAD")
    expect(page.locator("#order-number")).to_have_text("PK-RELOAD")
    scan(page, f"]E0{MUG[1:]}")
    scan(page, f"]E0{TEE[1:]}")
    expect(page.locator("#banner .headline")).to_have_text("Everything is packed")


def test_labels_waiting_for_a_printer_out_of_paper_say_so_and_print_again_on_request(
    site: Site, page: Page
) -> None:
    with zebra_for(site.kaeru, "PACK-1-PRINTER", silent_when_faulted=False) as zebra:
        zebra.set_faults(paper_out=True)
        picked_order(site, "PK-PAPER")
        pack_by_scanner(site, page, "PK-PAPER")
        jobs = page.locator("#labels-jobs li")
        expect(jobs).to_have_count(2)
        expect(page.locator("#labels-jobs li[data-state=waiting]")).to_have_count(2, timeout=15_000)
        expect(jobs.first).to_contain_text("Waiting for the printer")
        expect(jobs.first).to_contain_text("out of paper", timeout=15_000)
        expect(page.locator("#banner")).to_have_class("banner hold")
        expect(page.locator("#banner .headline")).to_contain_text("not printed yet")
        expect(page.locator("#labels-jobs button.reprint")).to_have_count(0)  # no doubles while queued

        zebra.set_faults(paper_out=False)
        expect(page.locator("#labels-jobs li[data-state=printed]")).to_have_count(2, timeout=20_000)
        assert len(zebra.printed(2)) == 2
        page.locator("#labels-jobs li[data-label=shipping_label] button.reprint").click()
        expect(page.locator("#labels-jobs li[data-label=shipping_label]")).to_have_count(2)
        expect(page.locator("#labels-jobs li[data-state=printed]")).to_have_count(3, timeout=20_000)
        assert len(zebra.printed(3)) == 3
