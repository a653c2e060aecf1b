"""A returns station reloaded mid-parcel carries on where it was: the open parcel and the unit not
yet graded come back from the server, the return's label scanned again is the same parcel, and the
same item scanned again is the unit already taken out, not an "extra" one. Graded, it is credited."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    Catalogue,
    authorise,
    ean_scan,
    grade,
    ship_fast,
)
from wms.returns.tables import ReturnParcel, ReturnUnit


def _at_the_desk(catalogue: Catalogue, name: str, index: int, quantity: int) -> tuple[str, Any]:
    """`quantity` units of a new item shipped and authorised for return; the RET-2 agent's token with
    its station started."""
    floor = catalogue.floor
    catalogue.item(name, index)
    sku = catalogue.sku(name)
    floor.receive(sku, quantity + 1, "A-02-1")
    order = ship_fast(floor, catalogue.order_number(), [(sku, quantity)], email=catalogue.email())
    line = {"sku": sku, "quantity": quantity, "reason": "changed_mind", "outcome": "refund"}
    rma = authorise(floor, order, [line])
    agent = floor.device_token("RET-2-AGENT")
    floor.call("POST", "/api/v1/returns/station/start", agent, json={"station": "RET-2"})
    return agent, rma


def test_a_reload_mid_parcel_carries_on_and_the_shopper_is_credited(catalogue: Catalogue) -> None:
    floor = catalogue.floor
    agent, rma = _at_the_desk(catalogue, "TOTE", 1, 1)
    parcel = floor.scan(f"]C0RMA-{rma['number']}", agent)["data"]["parcel"]
    unit = floor.scan(ean_scan(catalogue.gtin(1)), agent)["data"]["units"][0]
    assert unit["match"] == "right_item"

    # The screen is reloaded: it starts the station again and gets its open work back.
    started = floor.call("POST", "/api/v1/returns/station/start", agent, json={"station": "RET-2"})
    assert started["parcel"]["id"] == parcel["id"]
    assert started["unit"]["id"] == unit["id"]
    assert started["rubric"]["questions"]

    # The associate, unsure, scans the return and the item again.
    again = floor.scan(f"]C0RMA-{rma['number']}", agent)["data"]["parcel"]
    assert again["id"] == parcel["id"]
    answer = floor.scan(ean_scan(catalogue.gtin(1)), agent)
    assert answer["data"]["again"] is True
    assert answer["data"]["units"][0]["id"] == unit["id"]
    assert "already taken out of this parcel" in answer["message"]
    assert [line["received"] for line in answer["data"]["parcel"]["expected"]] == [1]

    graded = grade(floor, unit["id"], LIKE_NEW_APPAREL)
    assert graded["resolution"] is not None
    assert graded["resolution"]["kind"] == "refund"
    with floor.kaeru.db.read() as session:
        rma_id = session.get(ReturnParcel, parcel["id"]).rma_id  # type: ignore[union-attr]
        units = session.exec(select(ReturnUnit).where(ReturnUnit.rma_id == rma_id)).all()
        parcels = session.exec(select(ReturnParcel).where(ReturnParcel.rma_id == rma_id)).all()
    assert [u.match for u in units] == ["right_item"]
    assert len(parcels) == 1


def test_a_second_identical_unit_is_received_once_the_first_is_graded(catalogue: Catalogue) -> None:
    floor = catalogue.floor
    agent, rma = _at_the_desk(catalogue, "SOCKS", 2, 2)
    floor.scan(f"]C0RMA-{rma['number']}", agent)
    first = floor.scan(ean_scan(catalogue.gtin(2)), agent)["data"]["units"][0]
    grade(floor, first["id"], LIKE_NEW_APPAREL)
    second = floor.scan(ean_scan(catalogue.gtin(2)), agent)["data"]
    assert "again" not in second
    assert second["units"][0]["id"] != first["id"]
    assert second["units"][0]["match"] == "right_item"
    assert [line["received"] for line in second["parcel"]["expected"]] == [2]
