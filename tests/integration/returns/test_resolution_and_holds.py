"""Grading outcomes, resolution (refund, credit, exchange, keep-it), trust rewards, fraud holds and who may
decide them, and shopper tokens — over the HTTP API on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from sqlmodel import col, select

from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    OPENED_ELECTRONICS,
    WORN_APPAREL,
    Catalogue,
    authorise,
    ean_scan,
    grade,
    key,
    open_parcel,
    receive,
    ship_fast,
    shopper,
)
from wms.fulfilment.tables import Order
from wms.inventory.tables import Item, LedgerEntry, Location
from wms.platform.tables import AuditEntry, OutboxMessage


def _stock(cat: Catalogue, name: str, index: int, quantity: int = 4, **item: Any) -> str:
    cat.item(name, index, **item)
    cat.floor.receive(cat.sku(name), quantity, "A-03-1")
    return cat.sku(name)


def _arrived(
    cat: Catalogue,
    sku: str,
    *,
    reason: str = "changed_mind",
    outcome: str = "refund",
    exchange_sku: str | None = None,
    gtin_index: int = 1,
    order: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivered order returned, its parcel opened and its one unit scanned: (rma, unit)."""
    order = order or ship_fast(cat.floor, cat.order_number(), [(sku, 1)], email=cat.email())
    rma = authorise(
        cat.floor,
        order,
        [{"sku": sku, "quantity": 1, "reason": reason, "outcome": outcome, "exchange_sku": exchange_sku}],
    )
    parcel = open_parcel(cat.floor, rma["qr_payload"])
    unit = receive(cat.floor, parcel["id"], raw=ean_scan(cat.gtin(gtin_index)))["units"][0]
    return rma, unit


def _messages(cat: Catalogue, channel: str, topic: str, rma_code: str) -> list[dict[str, Any]]:
    with cat.floor.kaeru.db.read() as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.topic == topic)
            .order_by(col(OutboxMessage.id))
        ).all()
    payloads = [r.payload for r in rows]
    return [
        p
        for p in payloads
        if (p.get("context") or p.get("data") or {}).get("rma", {}).get("code") == rma_code
    ]


def _hold_of(cat: Catalogue, rma_code: str) -> dict[str, Any]:
    return next(h for h in cat.floor.call("GET", "/api/v1/returns/holds", "manager") if h["rma"] == rma_code)


def test_an_associate_cannot_approve_a_fraud_hold(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "JACKET", 1)
    _stock(catalogue, "TROUSERS", 2)
    rma, _ = _arrived(catalogue, sku, gtin_index=2)  # the wrong item came back
    hold = _hold_of(catalogue, rma["code"])
    refused = catalogue.floor.call(
        "POST",
        f"/api/v1/returns/holds/{hold['id']}/approve",
        "associate",
        expect=403,
        json={"note": "looks fine"},
    )
    assert "returns.review" in refused["message"]
    assert _hold_of(catalogue, rma["code"])["status"] == "open"


def test_a_manager_approving_a_hold_releases_the_refund_and_the_decision_is_audited(
    catalogue: Catalogue,
) -> None:
    sku = _stock(catalogue, "SKIRT", 1, weight_g=400, price_minor=6000)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = authorise(catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}])
    parcel = open_parcel(catalogue.floor, rma["qr_payload"], weight_g=250)  # light: held
    unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)))["units"][0]
    graded = grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    assert graded["on_hold"]
    assert graded["resolution"] is None
    hold = _hold_of(catalogue, rma["code"])
    catalogue.floor.call(
        "POST",
        f"/api/v1/returns/holds/{hold['id']}/approve",
        "manager",
        json={"note": "scale was miscalibrated"},
    )
    after = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert after["money"][0]["amount_minor"] == 6000
    assert len(_messages(catalogue, "webhook", "refund.issued", rma["code"])) == 1
    with catalogue.floor.kaeru.db.read() as session:
        audit = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "return.hold_approved", AuditEntry.object_id == rma["code"]
            )
        ).one()
    assert audit.details["note"] == "scale was miscalibrated"
    assert audit.actor.startswith("user:")


def test_a_rejected_hold_pays_nothing_and_the_shopper_is_told_why(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "BLOUSE", 1)
    _stock(catalogue, "OTHER", 2)
    rma, unit = _arrived(catalogue, sku, gtin_index=2)
    grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    hold = _hold_of(catalogue, rma["code"])
    catalogue.floor.call(
        "POST",
        f"/api/v1/returns/holds/{hold['id']}/reject",
        "manager",
        json={"note": "a different product was sent back"},
    )
    after = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert (after["status"], after["money"]) == ("rejected", [])
    [email] = _messages(catalogue, "email", "return.rejected", rma["code"])
    assert email["context"]["decision"]["note"] == "a different product was sent back"


def test_a_return_on_hold_tells_the_shopper_and_the_dashboard(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "PARKA", 1)
    _stock(catalogue, "ANORAK", 2)
    rma, _ = _arrived(catalogue, sku, gtin_index=2)
    assert len(_messages(catalogue, "email", "return.on_hold", rma["code"])) == 1
    with catalogue.floor.kaeru.db.read() as session:
        live = [
            m.payload for m in session.exec(select(OutboxMessage).where(OutboxMessage.topic == "return.hold"))
        ]
    assert any(p["rma"] == rma["code"] and p["signals"] == ["different_item"] for p in live)


def test_store_credit_comes_with_its_bonus_as_a_money_movement(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "CARDIGAN", 1, price_minor=5000)
    rma, unit = _arrived(catalogue, sku, outcome="store_credit")
    graded = grade(catalogue.floor, unit["id"], WORN_APPAREL)  # grade C: 30% off, then 10% bonus
    assert graded["resolution"]["amount_minor"] == 3850
    [webhook] = _messages(catalogue, "webhook", "store_credit.issued", rma["code"])
    assert (webhook["data"]["money"]["amount_minor"], webhook["data"]["money"]["kind"]) == (
        3850,
        "store_credit",
    )


def test_electronics_opened_for_a_change_of_mind_pay_the_restocking_fee_and_the_grade_deduction(
    catalogue: Catalogue,
) -> None:
    sku = _stock(catalogue, "SPEAKER", 1, price_minor=20000, category="electronics")
    _, unit = _arrived(catalogue, sku)
    graded = grade(catalogue.floor, unit["id"], OPENED_ELECTRONICS)
    assert (graded["grade"], graded["disposition"]) == ("B", "restock_open_box")
    assert graded["resolution"]["amount_minor"] == 20000 - 3000 - 2000


def test_an_open_box_unit_is_restocked_as_the_open_box_sku(catalogue: Catalogue) -> None:
    open_box = _stock(catalogue, "KETTLE-OB", 2, quantity=1, category="home")
    sku = _stock(catalogue, "KETTLE", 1, category="home", open_box_sku=open_box)
    _, unit = _arrived(catalogue, sku)
    graded = grade(
        catalogue.floor,
        unit["id"],
        {"packaging": "opened", "used": "no", "broken": "no", "parts_complete": "yes"},
    )
    assert (graded["disposition"], graded["location"]) == ("restock_open_box", "OPENBOX")
    catalogue.floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/put-away",
        "associate",
        key=key(),
        json={"location": "OPENBOX"},
    )
    stock = catalogue.floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={open_box}&location=OPENBOX")
    assert [r["quantity"] for r in stock] == [1]


def test_a_unit_put_in_the_wrong_place_is_refused_and_not_moved(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "LAMP", 1, category="home")
    rma, unit = _arrived(catalogue, sku)
    graded = grade(
        catalogue.floor,
        unit["id"],
        {"packaging": "sealed", "used": "no", "broken": "yes", "parts_complete": "yes"},
    )
    assert (graded["grade"], graded["location"]) == ("X", "RECYCLE")
    refused = catalogue.floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/put-away",
        "associate",
        key=key(),
        expect=422,
        json={"location": "LIQ"},
    )
    assert "take it to RECYCLE" in refused["message"]
    with catalogue.floor.kaeru.db.read() as session:
        reasons = [
            e.reason for e in session.exec(select(LedgerEntry).where(LedgerEntry.ref_id == rma["code"]))
        ]
    assert reasons == ["return"]


def test_a_unit_cannot_be_graded_twice(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SHORTS", 1)
    _, unit = _arrived(catalogue, sku)
    grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    again = grade(catalogue.floor, unit["id"], WORN_APPAREL, expect=409)
    assert "cannot be graded again" in again["message"]


def test_a_cheap_item_damaged_in_transit_is_refunded_without_being_sent_back(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SOAP", 1, price_minor=900, category="home")
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = authorise(catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "damaged_in_transit"}])
    assert (rma["status"], rma["lines"][0]["keep_it"]) == ("completed", True)
    assert rma["money"][0]["amount_minor"] == 900
    [webhook] = _messages(catalogue, "webhook", "refund.issued", rma["code"])
    assert webhook["data"]["money"]["keep_it"] is True


def test_an_exchange_reserves_the_new_variant_in_a_new_order(catalogue: Catalogue) -> None:
    small = _stock(catalogue, "JEANS-30", 1, variant_group=f"JEANS{catalogue.tag}")
    large = _stock(catalogue, "JEANS-32", 2, variant_group=f"JEANS{catalogue.tag}")
    rma, unit = _arrived(catalogue, small, reason="size_too_small", outcome="exchange", exchange_sku=large)
    graded = grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    assert graded["resolution"]["kind"] == "exchange"
    line = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["lines"][0]
    with catalogue.floor.kaeru.db.read() as session:
        exchange = session.exec(select(Order).where(Order.number == line["exchange_order"])).one()
    assert exchange.status == "reserved"
    stock = catalogue.floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={large}")
    assert sum(r["reserved"] for r in stock) == 1


def _trusted_order(cat: Catalogue, sku: str, cheap: str) -> dict[str, Any]:
    """A shopper with ten orders and a large spend: the trusted tier."""
    order = ship_fast(cat.floor, cat.order_number(), [(sku, 1)], email=cat.email())
    for n in range(9):
        cat.floor.order(cat.order_number(f"-{n}"), [(cheap, 1)], email=cat.email())
    return order


def test_a_trusted_shopper_is_refunded_at_the_first_carrier_scan_of_the_return(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "GOWN", 1, price_minor=500_000)
    cheap = _stock(catalogue, "PIN", 2, quantity=9, price_minor=100)
    order = _trusted_order(catalogue, sku, cheap)
    rma = authorise(catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}])
    assert _messages(catalogue, "webhook", "refund.issued", rma["code"]) == []
    catalogue.floor.call(
        "POST",
        "/api/v1/tracking/events",
        "integrator",
        json={
            "tracking_number": rma["tracking_number"],
            "kind": "in_transit",
            "at": datetime.now(UTC).isoformat(),
        },
    )
    [webhook] = _messages(catalogue, "webhook", "refund.issued", rma["code"])
    assert (webhook["data"]["money"]["amount_minor"], webhook["data"]["money"]["early"]) == (500_000, True)
    view = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert (view["status"], view["trust_tier"]) == ("in_transit", "trusted")


def test_a_trusted_shopper_gets_the_exchange_before_the_return_arrives(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SUIT-48", 1, price_minor=500_000, variant_group=f"SUIT{catalogue.tag}")
    other = _stock(catalogue, "SUIT-50", 2, variant_group=f"SUIT{catalogue.tag}")
    cheap = _stock(catalogue, "TIE", 3, quantity=9, price_minor=100)
    order = _trusted_order(catalogue, sku, cheap)
    rma = authorise(
        catalogue.floor,
        order,
        [
            {
                "sku": sku,
                "quantity": 1,
                "reason": "size_too_small",
                "outcome": "exchange",
                "exchange_sku": other,
            }
        ],
    )
    assert rma["lines"][0]["exchange_order"] == f"{order['number']}-EX{rma['lines'][0]['id']}"


def test_a_shopper_token_opens_only_its_own_orders_returns(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "BAG", 1, quantity=6)
    mine = ship_fast(catalogue.floor, catalogue.order_number("A"), [(sku, 1)], email=catalogue.email())
    theirs = ship_fast(
        catalogue.floor, catalogue.order_number("B"), [(sku, 1)], email=f"x{catalogue.email()}"
    )
    their_rma = authorise(catalogue.floor, theirs, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}])
    own = shopper(catalogue.floor, "GET", f"/api/v1/shopper/orders/{mine['tracking_token']}/returns")
    assert own == []
    shopper(
        catalogue.floor,
        "GET",
        f"/api/v1/shopper/orders/{mine['tracking_token']}/returns/{their_rma['code']}",
        expect=404,
    )
    shopper(catalogue.floor, "GET", "/api/v1/shopper/orders/not-a-real-token/returns", expect=404)
    shopper(
        catalogue.floor,
        "POST",
        f"/api/v1/shopper/orders/{mine['tracking_token']}/returns",
        expect=422,
        json={"lines": [{"sku": f"{sku}-NOPE", "quantity": 1, "reason": "changed_mind"}]},
    )


def test_the_shopper_sees_what_may_be_returned_and_what_each_outcome_pays(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "TOP", 1, price_minor=3000)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    options = shopper(
        catalogue.floor, "GET", f"/api/v1/shopper/orders/{order['tracking_token']}/returns/options"
    )
    line = options["lines"][0]
    assert (options["eligible"], line["returnable"]) == (True, 1)
    credit = next(
        o for o in line["options_by_reason"]["changed_mind"]["options"] if o["outcome"] == "store_credit"
    )
    assert credit["amount_minor"] == 3300


def test_a_return_label_pdf_is_served_by_the_rma_token(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "KNIT", 1)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = authorise(catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}])
    response = catalogue.floor.client.get(f"/api/v1/shopper/returns/{rma['token']}/label.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_photos_of_a_graded_unit_are_stored_and_shown_to_managers_only(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "VEST", 1)
    _, unit = _arrived(catalogue, sku)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, format="PNG")
    uploaded = catalogue.floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/photos",
        "associate",
        expect=201,
        files={"photo": ("stain.png", picture.getvalue(), "image/png")},
        data={"caption": "stain on the sleeve"},
    )
    catalogue.floor.call("GET", f"/api/v1/returns/units/{unit['id']}/photos", "associate", expect=403)
    [listed] = catalogue.floor.call("GET", f"/api/v1/returns/units/{unit['id']}/photos", "manager")
    assert (listed["id"], listed["caption"]) == (uploaded["id"], "stain on the sleeve")
    image = catalogue.floor.client.get(listed["url"], headers=catalogue.floor.headers("manager"))
    assert image.content == picture.getvalue()


def test_a_file_that_is_not_a_picture_is_refused(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "ROBE", 1)
    _, unit = _arrived(catalogue, sku)
    refused = catalogue.floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/photos",
        "associate",
        expect=422,
        files={"photo": ("notes.txt", b"just text", "text/plain")},
    )
    assert "not a picture" in refused["message"]


def test_a_device_of_another_kind_of_station_cannot_work_the_returns_flow(catalogue: Catalogue) -> None:
    handheld = catalogue.floor.device_token("HH-01")
    refused = catalogue.floor.call(
        "POST", "/api/v1/returns/parcels", handheld, key=key(), expect=403, json={"code": "RMA-1"}
    )
    assert "returns station" in refused["message"]


def test_the_station_agent_scans_a_parcel_and_its_item_with_its_own_token(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "POLO", 1)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = authorise(catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}])
    agent = catalogue.floor.device_token("RET-2-AGENT")
    catalogue.floor.call("PUT", "/api/v1/devices/assignment", agent, json={"mode": "returns"})
    parcel = catalogue.floor.scan(f"RMA-{rma['number']}", agent)["data"]["parcel"]
    assert parcel["rma"] == rma["code"]
    unit = catalogue.floor.scan(ean_scan(catalogue.gtin(1)), agent)["data"]["units"][0]
    assert unit["match"] == "right_item"
    with catalogue.floor.kaeru.db.read() as session:
        station_location = session.exec(select(Location).where(Location.code == "RET-2")).one()
        item = session.exec(select(Item).where(Item.sku == sku)).one()
        entry = session.exec(
            select(LedgerEntry).where(LedgerEntry.item_id == item.id, LedgerEntry.reason == "return")
        ).one()
    assert entry.to_location_id == station_location.id
    assert entry.device_id is not None


def test_the_shopper_is_told_when_the_exchange_ships(catalogue: Catalogue) -> None:
    small = _stock(catalogue, "CHINO-30", 1, variant_group=f"CHINO{catalogue.tag}")
    large = _stock(catalogue, "CHINO-32", 2, variant_group=f"CHINO{catalogue.tag}")
    rma, unit = _arrived(catalogue, small, reason="size_too_small", outcome="exchange", exchange_sku=large)
    grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    number = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["lines"][0][
        "exchange_order"
    ]
    sent = ship_fast(
        catalogue.floor, number, [(large, 1)], email=catalogue.email(), existing=True, delivered_days_ago=None
    )
    catalogue.floor.call(
        "POST",
        "/api/v1/tracking/events",
        "integrator",
        json={
            "tracking_number": sent["tracking_number"],
            "kind": "in_transit",
            "at": datetime.now(UTC).isoformat(),
        },
    )
    [email] = _messages(catalogue, "email", "exchange.shipped", rma["code"])
    assert email["context"]["exchange"]["order"] == number
    assert email["context"]["exchange"]["shipment"]["tracking_number"] == sent["tracking_number"]


def test_staff_authorising_a_return_can_have_its_label_printed_at_the_station(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "GILET", 1)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = catalogue.floor.call(
        "POST",
        "/api/v1/returns",
        "associate",
        expect=201,
        json={
            "warehouse": "WH1",
            "order": order["number"],
            "print_label": True,
            "station": "RET-2",
            "lines": [{"sku": sku, "quantity": 1, "reason": "not_as_described"}],
        },
    )
    with catalogue.floor.kaeru.db.read() as session:
        jobs = [
            m.payload
            for m in session.exec(select(OutboxMessage).where(OutboxMessage.topic == "print.return_label"))
        ]
    job = next(j for j in jobs if j.get("rma_number") == rma["code"])
    assert (job["printer"], job["qr_payload"]) == ("tcp://127.0.0.1:9102", rma["qr_payload"])


def test_only_a_manager_may_accept_a_return_after_the_window(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "CAPE", 1, quantity=3)
    order = ship_fast(
        catalogue.floor, catalogue.order_number(), [(sku, 2)], email=catalogue.email(), delivered_days_ago=45
    )
    body = {
        "warehouse": "WH1",
        "order": order["number"],
        "allow_outside_window": True,
        "lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}],
    }
    catalogue.floor.call("POST", "/api/v1/returns", "associate", expect=422, json=body)
    late = catalogue.floor.call("POST", "/api/v1/returns", "manager", expect=201, json=body)
    assert late["outside_window"] is True
    refused = authorise(
        catalogue.floor, order, [{"sku": sku, "quantity": 1, "reason": "changed_mind"}], expect=422
    )
    assert "return window closed" in refused["message"]


def test_a_graded_unit_keeps_the_answers_that_graded_it(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "VEST", 1)
    _, unit = _arrived(catalogue, sku)
    graded = grade(catalogue.floor, unit["id"], WORN_APPAREL)
    assert graded["unit"]["answers"] == WORN_APPAREL
    shown = catalogue.floor.call("GET", f"/api/v1/returns/units/{unit['id']}", "associate")
    assert (shown["answers"], shown["grade"]) == (WORN_APPAREL, graded["grade"])
