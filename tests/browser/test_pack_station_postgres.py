"""The pack flow once more against PostgreSQL (a throwaway database created and dropped here)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.browser.site import Site
from tests.browser.wedge import count_answers, scan
from wms.platform.tables import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
TEE = "09506000134352"


def test_the_pack_flow_by_scanner_closes_the_carton_and_queues_both_labels_on_postgresql(
    pg_site: Site, page: Page
) -> None:
    site = pg_site
    site.item("PG-TEE", TEE, weight_g=250)
    site.receive("PG-TEE", 5, "A-01-1")
    site.order("PG-1", [("PG-TEE", 2)])
    site.release(["PG-1"])
    site.pick_all({"PG-TEE": TEE})
    count_answers(page)
    site.sign_in(page, "packer", "pack")
    scan(page, "]C0ORD-PG-1")
    scan(page, f"]E0{TEE[1:]}")
    scan(page, f"]E0{TEE[1:]}")
    expect(page.locator("#banner .headline")).to_have_text("Everything is packed")
    page.fill("#typed-weight", "680")
    page.click("#close")
    expect(page.locator("#banner .headline")).to_have_text("Carton closed")
    with site.kaeru.db.read() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "print")).all()
        labels = sorted(m.payload["label"] for m in rows if m.payload.get("order") == "PG-1")
    assert labels == ["return_label", "shipping_label"]
