"""A return from the shopper's request to the refund, over the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from tests.floor import Floor
from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    authorise,
    ean_scan,
    gtin,
    key,
    outbox,
    ship,
    start_station,
)
from wms.context import Kaeru
from wms.inventory.tables import LedgerEntry, Location


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def test_a_return_goes_from_request_to_refund_with_the_shopper_told_in_their_language(floor: Floor) -> None:
    floor.item("TEE-M", gtin=gtin(101), weight_g=250, price_minor=4000, category="apparel")
    floor.receive("TEE-M", 3, "A-01-1")
    order = ship(floor, "O-R1", [("TEE-M", 1)], email="hana@example.jp", locale="ja")

    rma = authorise(
        floor, order, [{"sku": "TEE-M", "quantity": 1, "reason": "size_too_small", "outcome": "refund"}]
    )
    assert rma["qr_payload"] == f"RMA:{rma['token']}"
    assert rma["code"] == f"RMA-{rma['number']}"
    authorised = outbox(floor, "email", "return.authorised")
    assert authorised[0].payload["locale"] == "ja"
    assert authorised[0].payload["context"]["rma"]["qr_payload"] == rma["qr_payload"]

    # The station's scale reports the parcel's weight; the associate scans the QR code, then the item.
    agent = floor.device_token("RET-1-AGENT")
    floor.call("POST", "/api/v1/devices/weights", agent, key=key(), json={"grams": 440, "stable": True})
    start_station(floor)
    parcel = floor.scan(rma["qr_payload"], "associate")["data"]["parcel"]
    assert parcel["rma"] == rma["code"]
    assert parcel["weight_g"] == 440
    assert parcel["weight_verdict"] == "ok"
    scanned = floor.scan(ean_scan(gtin(101)), "associate")["data"]
    unit = scanned["units"][0]
    assert unit["match"] == "right_item"
    assert next(q["id"] for q in scanned["rubric"]["questions"]) == "tags_attached"

    graded = floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/grade",
        "associate",
        key=key(),
        json={"answers": LIKE_NEW_APPAREL, "station": "RET-1"},
    )
    assert (graded["grade"], graded["rule"]) == ("A", "unworn_with_tags_is_like_new")
    assert graded["disposition"] == "restock_new"
    assert graded["location"] == "A-01-1"  # back where the item's stock lives
    assert graded["resolution"]["amount_minor"] == 4000
    tag = outbox(floor, "print", "print.grade_tag")[0].payload
    assert (tag["lpn"], tag["grade"], tag["printer"]) == (graded["lpn"], "A", "tcp://127.0.0.1:9101")

    floor.scan(f"LPN-{graded['lpn']}", "associate")
    stored = floor.scan("LOC-A-01-1", "associate")["data"]
    assert stored["location"] == "A-01-1"
    parcel_id = parcel["id"]
    closed = floor.call("POST", f"/api/v1/returns/parcels/{parcel_id}/close", "associate", key=key())
    assert closed["rma_status"] == "completed"

    with floor.kaeru.db.read() as session:
        codes = {loc.id: loc.code for loc in session.exec(select(Location))}
        moves = [
            (e.reason, codes.get(e.from_location_id or 0), codes.get(e.to_location_id or 0), e.to_condition)
            for e in session.exec(
                select(LedgerEntry).where(LedgerEntry.ref_id == rma["code"]).order_by(col(LedgerEntry.id))
            )
        ]
    assert moves == [("return", None, "RET-1", "quarantine"), ("putaway", "RET-1", "A-01-1", "new")]
    stock = floor.call("GET", "/api/v1/warehouses/WH1/stock?sku=TEE-M&location=A-01-1")
    assert sum(r["quantity"] for r in stock if r["condition"] == "new") == 3

    emails = {m.topic: m.payload for m in outbox(floor, "email")}
    assert {"return.authorised", "return.received", "return.graded", "refund.issued"} <= set(emails)
    assert all(emails[t]["locale"] == "ja" for t in ("return.received", "return.graded", "refund.issued"))
    assert emails["return.graded"]["context"]["unit"]["grade"] == "A"
    refund = next(m.payload for m in outbox(floor, "webhook", "refund.issued"))
    assert refund["data"]["money"]["amount_minor"] == 4000
    assert refund["data"]["money"]["currency"] == "USD"
    assert refund["data"]["rma"]["code"] == rma["code"]
    graded_hook = next(m.payload for m in outbox(floor, "webhook", "return.graded"))
    assert graded_hook["data"]["unit"]["disposition"] == "restock_new"
    label = authorised[0].payload["context"]
    assert label["rma"]["tracking_number"] == rma["tracking_number"]
    assert label["return_to"]["city"] == "Memphis"
    live = {m.topic: m.payload for m in outbox(floor, "live")}
    assert live["return.received"]["rma"] == rma["code"]
    assert live["return.graded"]["grade"] == "A"
    assert live["return.graded"]["disposition"] == "restock_new"
    assert live["return.put_away"]["location"] == "A-01-1"
