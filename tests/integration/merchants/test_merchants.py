"""One floor, several merchants: each one's items, stock, orders, shoppers, returns and bill kept apart,
while bins, stations and staff are shared (docs/architecture.md, "Merchants")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.floor import Floor
from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    authorise,
    ean_scan,
    grade,
    gtin,
    open_parcel,
    receive,
    ship,
    start_station,
)
from wms.context import Kaeru
from wms.fulfilment.tables import Order, Shipment
from wms.inventory.tables import LedgerEntry, Quant
from wms.merchants.tables import Merchant
from wms.returns.tables import ReturnUnit

TEE = gtin(8801)


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _two_merchants_one_bin(floor: Floor) -> None:
    """KAERU (the default merchant) and SAKURA both sell TEE, the same product, from bin A-01-1."""
    floor.item("TEE", gtin=TEE, weight_g=200)
    floor.item("TEE", gtin=TEE, weight_g=200, merchant="SAKURA")
    floor.receive("TEE", 2, "A-01-1", merchant="KAERU")
    floor.receive("TEE", 3, "A-01-1", merchant="SAKURA")


def _line(order: dict[str, Any]) -> dict[str, Any]:
    return order["lines"][0]  # type: ignore[no-any-return]


def test_two_merchants_sell_one_sku_from_one_bin_and_never_take_each_others_units(floor: Floor) -> None:
    _two_merchants_one_bin(floor)
    ambiguous = floor.call("GET", "/api/v1/items/TEE", expect=409)
    assert ambiguous["error"] == "ambiguous"
    assert {"KAERU", "SAKURA"} <= set(ambiguous["details"]["merchants"])
    sakura_tee = floor.call("GET", "/api/v1/items/TEE?merchant=SAKURA")
    assert sakura_tee["merchant"] == "SAKURA"
    assert [s["quantity"] for s in sakura_tee["stock"]] == [3]

    kaeru_order = floor.order("K-1", [("TEE", 3)], merchant="KAERU")
    sakura_order = floor.order("S-1", [("TEE", 3)], merchant="SAKURA")
    assert (kaeru_order["merchant"], _line(kaeru_order)["reserved"]) == ("KAERU", 2)  # only its own 2
    assert (sakura_order["merchant"], _line(sakura_order)["reserved"]) == ("SAKURA", 3)
    stock = floor.call("GET", "/api/v1/warehouses/WH1/stock?sku=TEE")
    assert sorted((r["merchant"], r["quantity"], r["reserved"]) for r in stock) == [
        ("KAERU", 2, 2),
        ("SAKURA", 3, 3),
    ]
    with floor.kaeru.db.read() as session:
        owners = {q.merchant_id for q in session.exec(select(Quant))}
        ledger_owners = {e.merchant_id for e in session.exec(select(LedgerEntry))}
    assert len(owners) == 2
    assert owners == ledger_owners


def test_a_merchants_integrator_sees_and_changes_only_that_merchants_objects(floor: Floor) -> None:
    _two_merchants_one_bin(floor)
    kaeru_order = floor.order("K-1", [("TEE", 1)], merchant="KAERU")
    floor.tokens["sakura-integrator"] = floor.staff("integrator", merchants=("SAKURA",))
    sakura_order = floor.call(
        "POST",
        "/api/v1/orders",
        "sakura-integrator",
        expect=201,
        json={
            "warehouse": "WH1",
            "number": "S-2",
            "shopper": {"email": "kim@example.com"},
            "ship_to": {
                "name": "Kim",
                "street": "1 Main St",
                "city": "X",
                "postal_code": "1",
                "country": "US",
            },
            "lines": [{"sku": "TEE", "quantity": 1}],
        },
    )
    assert sakura_order["merchant"] == "SAKURA"  # its only merchant, without saying so
    listed = floor.call("GET", "/api/v1/orders", "sakura-integrator")
    assert [o["number"] for o in listed] == ["S-2"]
    floor.call("GET", f"/api/v1/orders/{kaeru_order['id']}", "sakura-integrator", expect=404)
    floor.call("POST", f"/api/v1/orders/{kaeru_order['id']}/cancel", "sakura-integrator", expect=404)
    items = floor.call("GET", "/api/v1/items", "sakura-integrator")
    assert {i["merchant"] for i in items} == {"SAKURA"}
    order_for_kaeru = {
        "warehouse": "WH1",
        "merchant": "KAERU",
        "number": "S-3",
        "shopper": {"email": "kim@example.com"},
        "lines": [{"sku": "TEE", "quantity": 1}],
    }
    floor.call("POST", "/api/v1/orders", "sakura-integrator", json=order_for_kaeru, expect=404)
    assert [m["code"] for m in floor.call("GET", "/api/v1/merchants", "sakura-integrator")] == ["SAKURA"]
    floor.call("GET", "/api/v1/merchants/KAERU", "sakura-integrator", expect=404)


def test_an_idle_scan_of_a_product_two_merchants_stock_asks_whose_unit_it_is(floor: Floor) -> None:
    _two_merchants_one_bin(floor)
    answer = floor.scan(ean_scan(TEE), "manager")
    choices = answer["data"]["choices"]
    assert sorted((c["merchant"], sum(s["quantity"] for s in c["stock"])) for c in choices) == [
        ("KAERU", 2),
        ("SAKURA", 3),
    ]
    assert "several merchants" in answer["message"]
    # Someone who works for SAKURA only sees SAKURA's unit: no choice to make.
    floor.tokens["sakura-manager"] = floor.staff("manager", merchants=("SAKURA",))
    only = floor.scan(ean_scan(TEE), "sakura-manager")["data"]
    assert only["merchant"] == "SAKURA"
    assert "choices" not in only


def test_one_email_at_two_merchants_is_two_shoppers_with_their_own_history(floor: Floor) -> None:
    _two_merchants_one_bin(floor)
    floor.order("K-1", [("TEE", 1)], email="same@example.com", merchant="KAERU")
    floor.order("S-1", [("TEE", 1)], email="same@example.com", merchant="SAKURA")
    with floor.kaeru.db.read() as session:
        orders = {o.number: o for o in session.exec(select(Order))}
    kaeru_shopper, sakura_shopper = orders["K-1"].shopper_id, orders["S-1"].shopper_id
    assert kaeru_shopper != sakura_shopper
    floor.tokens["sakura-manager"] = floor.staff("manager", merchants=("SAKURA",))
    floor.call("GET", f"/api/v1/shoppers/{sakura_shopper}/trust", "sakura-manager")
    floor.call("GET", f"/api/v1/shoppers/{kaeru_shopper}/trust", "sakura-manager", expect=404)


def test_the_shared_signal_tells_a_merchant_of_holds_elsewhere_and_nothing_more(floor: Floor) -> None:
    floor.item("BOOT", gtin=gtin(8802), weight_g=1500, category="shoes")
    floor.item("BOOT-S", gtin=gtin(8803), weight_g=1500, category="shoes", merchant="SAKURA")
    floor.merchant("SOLO", shared_fraud_signal=False)
    floor.item("BOOT-X", gtin=gtin(8804), weight_g=1500, category="shoes", merchant="SOLO")
    floor.receive("BOOT", 1, merchant="KAERU")
    floor.receive("BOOT-S", 1, merchant="SAKURA")
    floor.receive("BOOT-X", 1, merchant="SOLO")
    who = "mallory+shop@example.com"
    kaeru = ship(floor, "K-9", [("BOOT", 1)], email=who, merchant="KAERU")
    start_station(floor)
    held = open_parcel(floor, authorise(floor, kaeru, [_return_line("BOOT")])["code"], weight_g=300)
    assert held["rma_status"] == "on_hold"
    assert "held_at_other_merchants" not in held["hold_signals"]

    sakura = ship(floor, "S-9", [("BOOT-S", 1)], email="Mallory@example.com", merchant="SAKURA")
    sakura_rma = authorise(floor, sakura, [_return_line("BOOT-S")])
    parcel = open_parcel(floor, sakura_rma["code"], weight_g=1700)
    assert parcel["hold_signals"] == ["held_at_other_merchants"]
    holds = floor.call("GET", "/api/v1/returns/holds", "manager")
    evidence = next(h for h in holds if h["rma"] == sakura_rma["code"])["evidence"]
    shown = str(evidence)
    assert evidence["held_at_other_merchants"]["shared_signal"] == {"held_at_other_merchants": 1}
    for secret in ("KAERU", "K-9", held["rma"], "mallory", "Kaeru Outfitters"):
        assert secret not in shown, secret

    solo = ship(floor, "X-9", [("BOOT-X", 1)], email=who, merchant="SOLO")
    quiet = open_parcel(floor, authorise(floor, solo, [_return_line("BOOT-X")])["code"], weight_g=1700)
    assert "held_at_other_merchants" not in quiet["hold_signals"]  # it shares nothing, learns nothing

    floor.tokens["sakura-manager"] = floor.staff("manager", merchants=("SAKURA",))
    theirs = floor.call("GET", "/api/v1/returns/holds", "sakura-manager")
    assert [h["rma"] for h in theirs] == [sakura_rma["code"]]


def _return_line(sku: str) -> dict[str, Any]:
    return {"sku": sku, "quantity": 1, "reason": "changed_mind"}


def test_an_admin_adds_and_changes_a_merchant_with_the_checks_of_the_configuration(floor: Floor) -> None:
    profile = {
        "name": "New Co",
        "brand": {"name": "New Co", "colours": {"primary": "#123456"}, "languages": ["uk", "en"]},
        "returns_policy": {"window_days": 60},
        "webhooks": [{"name": "erp", "url": "https://erp.example/hooks", "secret": "whsec_bGl0ZXJhbA=="}],
    }
    made = floor.call("PUT", "/api/v1/merchants/NEWCO", "admin", json=profile)
    assert made["code"] == "NEWCO"
    assert made["languages"] == ["uk", "en"]
    assert made["profile"]["webhooks"][0]["secret"] == "********"  # never shown back
    floor.call("PUT", "/api/v1/merchants/NEWCO", "manager", json=profile, expect=403)
    bad = {**profile, "brand": {"name": "New Co", "colours": {"primary": "teal"}}}
    refused = floor.call("PUT", "/api/v1/merchants/NEWCO", "admin", json=bad, expect=422)
    assert "brand.colours.primary" in refused["message"]
    worse = {**profile, "returns_policy": {"window_days": -5}}
    floor.call("PUT", "/api/v1/merchants/NEWCO", "admin", json=worse, expect=422)
    shop = {**profile, "shops": [{"domain": "kaeru-demo.myshopify.com"}]}
    taken = floor.call("PUT", "/api/v1/merchants/NEWCO", "admin", json=shop, expect=422)
    assert "KAERU" in taken["message"]
    changed = floor.call("PUT", "/api/v1/merchants/NEWCO", "admin", json={**profile, "name": "NewCo Ltd"})
    assert changed["name"] == "NewCo Ltd"
    assert changed["version"] == made["version"] + 1
    assert "NEWCO" in {m["code"] for m in floor.call("GET", "/api/v1/merchants", "manager")}


def test_the_bill_counts_what_the_ledger_and_the_shipments_say(floor: Floor) -> None:
    _two_merchants_one_bin(floor)
    floor.item("CAP", gtin=gtin(8805), merchant="SAKURA")
    floor.receive("CAP", 4, "A-02-1", merchant="SAKURA")
    ship(floor, "K-1", [("TEE", 1)], merchant="KAERU", email="a@example.com")
    shipped = ship(floor, "S-1", [("TEE", 2), ("CAP", 1)], merchant="SAKURA", email="b@example.com")
    rma = authorise(floor, shipped, [_return_line("CAP")])
    start_station(floor)
    parcel = open_parcel(floor, rma["code"])
    unit = receive(floor, parcel["id"], raw=ean_scan(gtin(8805)))["units"][0]
    grade(floor, unit["id"], LIKE_NEW_APPAREL)

    today = datetime.now(UTC).date()
    period = f"since={today.isoformat()}&until={(today + timedelta(days=1)).isoformat()}"
    bill = {row["merchant"]: row for row in floor.call("GET", f"/api/v1/billing?{period}")}
    assert {"KAERU", "SAKURA"} <= set(bill)
    with floor.kaeru.db.read() as session:
        codes = {m.id: m.code for m in session.exec(select(Merchant))}

        def per_merchant(statement: Any) -> dict[str, int]:
            return {codes[m]: int(n) for m, n in session.exec(statement)}

        received = per_merchant(
            select(LedgerEntry.merchant_id, func.sum(LedgerEntry.quantity))
            .where(LedgerEntry.reason == "receive")
            .group_by(col(LedgerEntry.merchant_id))
        )
        picked = per_merchant(
            select(LedgerEntry.merchant_id, func.count())
            .where(LedgerEntry.reason == "pick")
            .group_by(col(LedgerEntry.merchant_id))
        )
        cartons = per_merchant(
            select(Order.merchant_id, func.count())
            .join(Shipment, col(Shipment.order_id) == col(Order.id))
            .where(col(Shipment.shipped_at).is_not(None))
            .group_by(col(Order.merchant_id))
        )
        graded = per_merchant(
            select(ReturnUnit.merchant_id, func.count())
            .where(col(ReturnUnit.graded_at).is_not(None))
            .group_by(col(ReturnUnit.merchant_id))
        )
        on_hand = per_merchant(
            select(Quant.merchant_id, func.sum(Quant.quantity)).group_by(col(Quant.merchant_id))
        )
    for code in ("KAERU", "SAKURA"):
        row = bill[code]
        assert row["units_received"] == received.get(code, 0)
        assert row["lines_picked"] == picked.get(code, 0)
        assert row["cartons_shipped"] == row["orders_shipped"] == cartons.get(code, 0) == 1
        assert row["returns_processed"] == graded.get(code, 0)
        assert row["storage_unit_days"] == on_hand.get(code, 0)
    assert bill["SAKURA"]["returns_by_grade"] == {f"{unit_grade(floor, unit['id'])}": 1}

    text = floor.client.get(f"/api/v1/billing.csv?{period}", headers=floor.headers("manager", None)).text
    rows = {r["merchant"]: r for r in csv.DictReader(io.StringIO(text))}
    assert int(rows["SAKURA"]["units_received"]) == bill["SAKURA"]["units_received"]
    assert int(rows["KAERU"]["cartons_shipped"]) == 1

    floor.tokens["sakura-integrator"] = floor.staff("integrator", merchants=("SAKURA",))
    mine = floor.call("GET", f"/api/v1/billing?{period}", "sakura-integrator")
    assert {r["merchant"] for r in mine} == {"SAKURA"}
    floor.call("GET", f"/api/v1/billing?{period}&merchant=KAERU", "sakura-integrator", expect=404)
    floor.call("GET", "/api/v1/billing?since=2026-01-02&until=2026-01-01", expect=422)


def unit_grade(floor: Floor, unit_id: int) -> str:
    unit = floor.call("GET", f"/api/v1/returns/units/{unit_id}", "associate")
    return f"{unit['grade']}/{unit['disposition']}"
