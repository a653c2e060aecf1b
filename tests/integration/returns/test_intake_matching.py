"""Station intake over the HTTP API: finding the parcel's return and matching each unit against what was
shipped, for serial-tracked and untracked items, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from devices.epc import encode_sgtin96
from tests.floor import Floor
from tests.integration.returns.returns_floor import (
    Catalogue,
    authorise,
    ean_scan,
    gs1_serial_scan,
    gtin,
    key,
    open_parcel,
    receive,
    ship_fast,
)
from wms.inventory.tables import LedgerEntry
from wms.returns.tables import ReturnUnit


def _stock(
    cat: Catalogue, name: str, index: int, *, serials: list[str] | None = None, quantity: int = 3, **item: Any
) -> str:
    cat.item(name, index, tracking="serial" if serials else "none", **item)
    cat.floor.receive(cat.sku(name), len(serials) if serials else quantity, "A-02-1", serials=serials)
    return cat.sku(name)


def _parcel(
    cat: Catalogue,
    order_lines: list[tuple[str, int]],
    return_lines: list[dict[str, Any]],
    *,
    weight_g: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    order = ship_fast(cat.floor, cat.order_number(), order_lines, email=cat.email())
    rma = authorise(cat.floor, order, return_lines)
    parcel = open_parcel(cat.floor, rma["qr_payload"], weight_g=weight_g)
    return rma, parcel


def _line(sku: str, quantity: int = 1, reason: str = "changed_mind") -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "reason": reason, "outcome": "refund"}


def _shipped_serial(floor: Floor, number: str) -> str:
    from wms.fulfilment.tables import Carton, CartonItem, Order

    with floor.kaeru.db.read() as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        return session.exec(
            select(CartonItem.serial)
            .join(Carton, Carton.id == CartonItem.carton_id)
            .where(Carton.order_id == order.id, CartonItem.serial != "")
        ).one()


def test_a_serial_tracked_unit_with_the_shipped_serial_is_the_right_item(catalogue: Catalogue) -> None:
    sku = _stock(
        catalogue, "CAM", 1, serials=[f"C{catalogue.tag}A", f"C{catalogue.tag}B"], category="electronics"
    )
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    serial = _shipped_serial(catalogue.floor, catalogue.order_number())
    unit = receive(catalogue.floor, parcel["id"], raw=gs1_serial_scan(catalogue.gtin(1), serial))["units"][0]
    assert (unit["match"], unit["serial"]) == ("right_item", serial)


def test_a_plain_serial_number_finds_the_shipped_unit(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "PHONE", 1, serials=[f"P{catalogue.tag}A"], category="electronics")
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    unit = receive(catalogue.floor, parcel["id"], raw=f"P{catalogue.tag}A")["units"][0]
    assert (unit["sku"], unit["match"]) == (sku, "right_item")


def test_an_rfid_tag_finds_the_shipped_unit_by_its_epc(catalogue: Catalogue) -> None:
    serial = str(700000 + catalogue.tag)
    sku = _stock(catalogue, "TAGGED", 1, serials=[serial], category="apparel")
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    epc = encode_sgtin96(catalogue.gtin(1), serial, company_prefix_length=7)
    unit = receive(catalogue.floor, parcel["id"], epc=epc)["units"][0]
    assert (unit["match"], unit["serial"]) == ("right_item", serial)


def test_a_serial_we_did_not_ship_is_a_serial_swap_that_holds_the_return(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "LAPTOP", 1, serials=[f"L{catalogue.tag}A"], category="electronics")
    rma, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    unit = receive(
        catalogue.floor, parcel["id"], raw=gs1_serial_scan(catalogue.gtin(1), f"FAKE{catalogue.tag}")
    )
    assert unit["units"][0]["match"] == "serial_swap"
    held = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert held["status"] == "on_hold"
    assert held["holds"][0]["signals"] == ["serial_swap"]
    assert held["holds"][0]["evidence"]["serial_swap"]["units"][0]["serial"] == f"FAKE{catalogue.tag}"


def test_another_size_of_the_same_product_is_a_different_variant(catalogue: Catalogue) -> None:
    small = _stock(catalogue, "DRESS-S", 1, variant_group=f"DRESS{catalogue.tag}")
    _stock(catalogue, "DRESS-L", 2, variant_group=f"DRESS{catalogue.tag}")
    _, parcel = _parcel(catalogue, [(small, 1)], [_line(small, reason="size_too_small")])
    unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(2)))["units"][0]
    assert unit["match"] == "different_variant"


def test_an_item_that_was_not_shipped_on_the_order_is_a_different_item(catalogue: Catalogue) -> None:
    shipped = _stock(catalogue, "MUG", 1, category="home")
    _stock(catalogue, "VASE", 2, category="home")
    rma, parcel = _parcel(catalogue, [(shipped, 1)], [_line(shipped)])
    unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(2)))["units"][0]
    assert unit["match"] == "different_item"
    held = catalogue.floor.call("GET", f"/api/v1/returns/{rma['code']}", "manager")
    assert "different_item" in held["hold_signals"]


def test_a_gtin_outside_the_catalogue_is_not_ours_and_no_stock_arrives(catalogue: Catalogue) -> None:
    shipped = _stock(catalogue, "CAP", 1)
    rma, parcel = _parcel(catalogue, [(shipped, 1)], [_line(shipped)])
    stranger = gtin(90000 + catalogue.tag % 1000)
    unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(stranger))["units"][0]
    assert (unit["match"], unit["status"], unit["sku"]) == ("not_ours", "set_aside", None)
    with catalogue.floor.kaeru.db.read() as session:
        assert session.exec(select(LedgerEntry).where(LedgerEntry.ref_id == rma["code"])).all() == []


def test_a_product_described_as_not_ours_is_set_aside(catalogue: Catalogue) -> None:
    shipped = _stock(catalogue, "SCARF", 1)
    _, parcel = _parcel(catalogue, [(shipped, 1)], [_line(shipped)])
    unit = receive(catalogue.floor, parcel["id"], not_ours="a competitor's red scarf, no barcode")["units"][0]
    assert (unit["match"], unit["name"]) == ("not_ours", "a competitor's red scarf, no barcode")


def test_a_unit_beyond_the_authorised_quantity_is_extra(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SOCKS", 1, quantity=5)
    _, parcel = _parcel(catalogue, [(sku, 3)], [_line(sku, 1)])
    units = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)), quantity=2)["units"]
    assert [u["match"] for u in units] == ["right_item", "extra"]


def test_a_shipped_serial_that_was_not_authorised_is_extra(catalogue: Catalogue) -> None:
    sku = _stock(
        catalogue, "WATCH", 1, serials=[f"W{catalogue.tag}A", f"W{catalogue.tag}B"], category="electronics"
    )
    _, parcel = _parcel(catalogue, [(sku, 2)], [_line(sku, 1)])
    first = receive(catalogue.floor, parcel["id"], raw=f"W{catalogue.tag}A")["units"][0]
    second = receive(catalogue.floor, parcel["id"], raw=f"W{catalogue.tag}B")["units"][0]
    assert (first["match"], second["match"]) == ("right_item", "extra")


def test_authorised_units_not_in_the_parcel_are_recorded_missing(catalogue: Catalogue) -> None:
    plain = _stock(catalogue, "BELT", 1)
    tracked = _stock(catalogue, "TABLET", 2, serials=[f"T{catalogue.tag}A"], category="electronics")
    _, parcel = _parcel(catalogue, [(plain, 2), (tracked, 1)], [_line(plain, 2), _line(tracked, 1)])
    receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)))
    closed = catalogue.floor.call(
        "POST", f"/api/v1/returns/parcels/{parcel['id']}/close", "associate", key=key()
    )
    missing = sorted(u["sku"] for u in closed["units"] if u["match"] == "missing")
    assert missing == sorted([plain, tracked])


def test_the_same_serial_scanned_twice_is_refused_the_second_time(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "DRONE", 1, serials=[f"D{catalogue.tag}A"], category="electronics")
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    receive(catalogue.floor, parcel["id"], raw=f"D{catalogue.tag}A")
    again = receive(catalogue.floor, parcel["id"], raw=f"D{catalogue.tag}A", expect=409)
    assert "already received" in again["message"]


def test_a_parcel_much_lighter_than_its_items_is_held(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "BOOTS", 1, weight_g=1500, category="shoes")
    rma, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)], weight_g=500)
    assert parcel["weight_verdict"] == "light"
    assert parcel["rma_status"] == "on_hold"
    holds = catalogue.floor.call("GET", "/api/v1/returns/holds", "manager")
    mine = next(h for h in holds if h["rma"] == rma["code"])
    assert mine["evidence"]["light_parcel"]["parcel"]["weight_g"] == 500


@pytest.mark.parametrize("found_by", ["rma_number", "tracking", "order"])
def test_a_parcel_is_found_by_its_return_label_tracking_number_or_order(
    catalogue: Catalogue, found_by: str
) -> None:
    sku = _stock(catalogue, "HAT", 1)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    rma = authorise(catalogue.floor, order, [_line(sku)])
    code = {"rma_number": rma["code"], "tracking": rma["tracking_number"], "order": f"ORD-{order['number']}"}
    parcel = open_parcel(catalogue.floor, code[found_by])
    assert (parcel["rma"], parcel["found_by"]) == (rma["code"], found_by)


def _cases(floor: Floor) -> int:
    from wms.returns.tables import ReturnAuthorisation

    with floor.kaeru.db.read() as session:
        unexpected = select(ReturnAuthorisation).where(ReturnAuthorisation.kind == "unexpected")
        return len(session.exec(unexpected).all())


def test_a_parcel_nobody_announced_is_opened_as_an_unexpected_return_only_when_the_associate_chooses(
    catalogue: Catalogue,
) -> None:
    sku = _stock(catalogue, "GLOVES", 1)
    before = _cases(catalogue.floor)
    code = f"NOLABEL{catalogue.tag}"
    refused = open_parcel(catalogue.floor, code, expect=404)
    assert refused["message"].startswith(f"{code}: no return, order")
    assert refused["details"] == {"code": code, "may_open": "unexpected_return"}
    assert _cases(catalogue.floor) == before, "a code naming nothing opens no case"

    parcel = catalogue.floor.call(
        "POST",
        "/api/v1/returns/parcels",
        "associate",
        key=key(),
        json={"code": code, "station": "RET-1", "unexpected": True},
    )
    assert (parcel["rma_kind"], parcel["rma_status"]) == ("unexpected", "on_hold")
    unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)))["units"][0]
    assert (unit["sku"], unit["status"]) == (sku, "received")


def test_an_order_without_a_return_asks_before_a_case_is_opened(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SCARF", 1)
    order = ship_fast(catalogue.floor, catalogue.order_number(), [(sku, 1)], email=catalogue.email())
    before = _cases(catalogue.floor)
    refused = open_parcel(catalogue.floor, f"ORD-{order['number']}", expect=409)
    assert refused["message"].startswith(f"order {order['number']} has no return authorisation")
    assert refused["details"]["may_open"] == "unexpected_return"
    assert _cases(catalogue.floor) == before


@pytest.mark.parametrize("typed", ["RMA-999999", "ORD-NOPE1", "1Z999AA10123456784"])
def test_a_mistyped_code_at_the_station_is_not_found_and_opens_no_case(
    catalogue: Catalogue, typed: str
) -> None:
    # The codes an associate mistyped in the screens' trial: answered "not found" with the code.
    agent = catalogue.floor.device_token("RET-2-AGENT")
    catalogue.floor.call("PUT", "/api/v1/devices/assignment", agent, json={"mode": "returns"})
    before = _cases(catalogue.floor)
    answer = catalogue.floor.scan(typed, agent, expect=404)
    assert answer["outcome"] == "rejected"
    assert answer["message"].startswith(f"{typed}: no return, order")
    assert answer["data"]["details"]["may_open"] == "unexpected_return"
    assert _cases(catalogue.floor) == before


def test_an_item_scanned_with_no_parcel_open_asks_for_the_parcel_label(catalogue: Catalogue) -> None:
    _stock(catalogue, "BELT", 1)
    agent = catalogue.floor.device_token("RET-2-AGENT")
    catalogue.floor.call("PUT", "/api/v1/devices/assignment", agent, json={"mode": "returns"})
    before = _cases(catalogue.floor)
    answer = catalogue.floor.scan(ean_scan(catalogue.gtin(1)), agent, expect=422)
    assert "scan the parcel's label first" in answer["message"]
    assert _cases(catalogue.floor) == before


def test_an_unknown_barcode_is_refused_and_nothing_is_written(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "COAT", 1)
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    refused = receive(catalogue.floor, parcel["id"], raw=f"NOSUCH{catalogue.tag}", expect=404)
    assert "unknown barcode" in refused["message"]
    with catalogue.floor.kaeru.db.read() as session:
        assert session.exec(select(ReturnUnit).where(ReturnUnit.parcel_id == parcel["id"])).all() == []


def test_a_quantity_of_zero_is_refused_and_nothing_is_written(catalogue: Catalogue) -> None:
    sku = _stock(catalogue, "SHIRT", 1)
    _, parcel = _parcel(catalogue, [(sku, 1)], [_line(sku)])
    refused = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)), quantity=0, expect=422)
    assert "quantity" in refused["message"]
    with catalogue.floor.kaeru.db.read() as session:
        assert session.exec(select(ReturnUnit).where(ReturnUnit.parcel_id == parcel["id"])).all() == []
