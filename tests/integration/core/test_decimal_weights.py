"""A station scale's weight over the HTTP API at the scale's own resolution, on SQLite and PostgreSQL:
taken as a decimal, kept, answered back and read back exactly; refused with a 422 when it is not a
weight; used exactly by the pack station's carton check, kept in whole grams on the carton."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.floor import Floor
from wms.context import Kaeru


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    f.tokens["pack-scale"] = f.device_token("PACK-1-SCALE")
    yield f
    f.close()


def report(floor: Floor, grams: Any, *, expect: int = 200) -> Any:
    return floor.call(
        "POST",
        "/api/v1/devices/weights",
        "pack-scale",
        key=str(uuid.uuid4()),
        expect=expect,
        json={"grams": grams, "stable": True},
    )


def read_back(floor: Floor) -> Any:
    return floor.call("GET", "/api/v1/stations/PACK-1", "packer")["weight"]["grams"]


def test_a_tenth_of_a_gram_is_answered_kept_and_read_back_exactly(floor: Floor) -> None:
    assert report(floor, "1234.5") == {"station": "PACK-1", "grams": "1234.5", "stable": True}
    assert read_back(floor) == "1234.5"
    assert report(floor, "0.125")["grams"] == "0.125"  # a milligram scale's reading
    assert read_back(floor) == "0.125"


def test_a_weight_sent_as_a_json_number_is_taken_as_the_same_decimal(floor: Floor) -> None:
    assert report(floor, 1234.5)["grams"] == "1234.5"
    assert Decimal(read_back(floor)) == Decimal("1234.5")


def test_whole_grams_from_an_agent_that_sends_an_integer_are_still_taken(floor: Floor) -> None:
    assert report(floor, 1250)["grams"] == "1250"
    assert read_back(floor) == "1250"
    assert report(floor, "1000.000")["grams"] == "1000"  # trailing zeros are not a different weight
    assert report(floor, 0)["grams"] == "0"
    assert report(floor, "1000000")["grams"] == "1000000"


@pytest.mark.parametrize(
    "grams",
    [
        "3 kg",
        "1234.5 g",
        " 12",
        "1e3",
        "1_000",
        "-1",
        -0.5,
        "NaN",
        "Infinity",
        "١٢",  # digits, but not the plain ASCII decimal a scale sends
        "1234.5678",
        1234.5678,
        1_000_000.001,
        "1000001",
        10**30,
        True,
        None,
        "",
        [1],
        {"value": 1},
    ],
)
def test_what_is_not_a_weight_is_refused_with_422(floor: Floor, grams: Any) -> None:
    answer = report(floor, grams, expect=422)
    assert answer is not None
    assert read_back(floor) is None  # nothing was kept


def test_the_openapi_document_describes_the_weight_as_a_bounded_decimal(floor: Floor) -> None:
    document = floor.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    grams_in = schemas["WeightIn"]["properties"]["grams"]
    number, text = grams_in["anyOf"]
    assert (number["type"], number["minimum"], number["maximum"]) == ("number", 0, 1_000_000)
    assert text["type"] == "string"
    assert text["pattern"] == r"^[0-9]{1,7}(\.[0-9]{1,3})?$"
    assert schemas["WeightReported"]["properties"]["grams"]["type"] == "string"
    station_weight = schemas["StationWeight"]["properties"]["grams"]
    assert {"type": "string"} in station_weight["anyOf"]


def packed_carton(floor: Floor) -> str:
    """An order of two 250 g tees picked and scanned into a carton: it should weigh 2 x 250 + 180 g
    of carton = 680 g, give or take 10 % (68 g), so between 612 and 748 g."""
    floor.item("TEE-M", gtin="09506000134352", weight_g=250)
    floor.receive("TEE-M", 2, "A-01-1")
    floor.order("O-1", [("TEE-M", 2)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker", key="next-1")["task"]
    while task["next"]:
        floor.scan(f"LOC-{task['next']['location']}")
        task = floor.scan("]E09506000134352")["data"]
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "O-1"})
    floor.scan("]E09506000134352", "packer")
    floor.scan("]E09506000134352", "packer")
    return str(carton["sscc"])


def close_at_the_station(floor: Floor, sscc: str, expect: int) -> Any:
    return floor.call(
        "POST",
        f"/api/v1/packing/cartons/{sscc}/close",
        "packer",
        key=str(uuid.uuid4()),
        expect=expect,
        json={"station": "PACK-1"},
    )


def test_the_carton_check_uses_the_exact_weight_and_the_carton_keeps_whole_grams_half_up(
    floor: Floor,
) -> None:
    sscc = packed_carton(floor)
    report(floor, "748.4")  # 0.4 g over the 748 g the carton may weigh: whole grams (748) would pass
    refused = close_at_the_station(floor, sscc, 409)
    assert "carton weighs 748.4 g but should weigh about 680 g (±68 g)" in refused["message"]

    report(floor, "746.5")
    closed = close_at_the_station(floor, sscc, 200)
    assert closed["status"] == "closed"
    assert closed["weight_g"] == 747  # half up: a carrier's whole grams, never 746
