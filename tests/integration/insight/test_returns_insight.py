"""The returns insight API over a few real returns, for managers only, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.floor import Floor
from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    WORN_APPAREL,
    authorise,
    ean_scan,
    grade,
    gtin,
    key,
    open_parcel,
    receive,
    ship_fast,
)
from wms.context import Kaeru


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def test_managers_see_reasons_grades_dispositions_recovery_and_dock_to_stock(floor: Floor) -> None:
    floor.item("TEE", gtin=gtin(501), price_minor=4000, category="apparel")
    floor.receive("TEE", 4, "A-01-1")
    order = ship_fast(floor, "I-1", [("TEE", 3)], email="ines@example.com")
    rma = authorise(
        floor,
        order,
        [
            {"sku": "TEE", "quantity": 2, "reason": "size_too_small"},
            {"sku": "TEE", "quantity": 1, "reason": "changed_mind"},
        ],
    )
    parcel = open_parcel(floor, rma["qr_payload"])
    units = receive(floor, parcel["id"], raw=ean_scan(gtin(501)), quantity=3)["units"]
    first = grade(floor, units[0]["id"], LIKE_NEW_APPAREL)
    grade(floor, units[1]["id"], WORN_APPAREL)
    grade(floor, units[2]["id"], WORN_APPAREL)
    floor.call(
        "POST",
        f"/api/v1/returns/units/{units[0]['id']}/put-away",
        "associate",
        key=key(),
        json={"location": first["location"]},
    )

    insight = floor.call("GET", "/api/v1/insight/returns?warehouse=WH1", "manager")
    assert insight["reasons"]["by_sku"]["TEE"][0] == {"key": "size_too_small", "count": 2, "share": 0.6667}
    assert insight["reasons"]["by_category"]["apparel"][1]["key"] == "changed_mind"
    assert {g["key"]: g["count"] for g in insight["grades"]["overall"]} == {"A": 1, "C": 2}
    assert {d["key"]: d["count"] for d in insight["dispositions"]["overall"]} == {
        "restock_new": 1,
        "liquidation": 2,
    }
    [total] = insight["recovery"]["total"]
    assert (total["value_minor"], total["recovered_minor"]) == (12000, 4000 + 2 * 600)
    assert insight["dock_to_stock"]["count"] == 1
    assert insight["dock_to_stock"]["p50"] >= 0
    floor.call("GET", "/api/v1/insight/returns/grades", "associate", expect=403)
