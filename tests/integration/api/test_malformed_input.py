"""Malformed input gets a 4xx that names the fault, never a 5xx, on SQLite and PostgreSQL: control
characters anywhere, ids beyond the database's integers, unscannable GTINs, unaddressable SKUs,
unbounded text, quoted numbers, impossible clock readings; and OPTIONS tells every method of a path."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import func, select

from tests.floor import Floor
from wms.context import Kaeru
from wms.inventory.tables import Item
from wms.platform.tables import ScanRecord

NUL_SCAN = "LOC-P-01-1\x00"


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _scans(floor: Floor) -> list[str]:
    with floor.kaeru.db.read() as session:
        return [r.raw for r in session.exec(select(ScanRecord).order_by(ScanRecord.id))]  # type: ignore[arg-type]


def _refused(response: Any, *words: str) -> dict[str, Any]:
    assert response.status_code == 422, f"{response.status_code} {response.text}"
    body = response.json()
    assert body["error"] == "invalid"
    for word in words:
        assert word in body["message"], body["message"]
    return body


def test_a_scan_with_a_nul_byte_is_refused_and_not_recorded(floor: Floor) -> None:
    response = floor.client.post(
        "/api/v1/scans", json={"raw": NUL_SCAN}, headers=floor.headers("picker", key="nul")
    )
    _refused(response, "raw", "control characters (U+0000 found)")
    assert _scans(floor) == []


def test_a_gs1_scan_keeps_its_group_separator(floor: Floor) -> None:
    floor.item("TEE", gtin="09506000134352")
    body = floor.scan("]d2010950600013435210LOT1\x1d17261231", "receiver", expect=None)
    assert body["parsed"]["gtin"] == "09506000134352"
    assert body["parsed"]["lot"] == "LOT1"


def test_a_refused_scan_in_a_batch_is_answered_in_its_place_and_the_rest_proceed_in_order(
    floor: Floor,
) -> None:
    raws = ["]C0LPN-1", NUL_SCAN, "]C0LPN-2", "]C0LPN-3"]
    scans = [{"idempotency_key": f"k{n}", "raw": raw} for n, raw in enumerate(raws)]
    scans.append({"idempotency_key": "late", "raw": "]C0LPN-4", "scanned_at": "9999-12-31T00:00:00Z"})
    response = floor.client.post(
        "/api/v1/scans/batch", json={"scans": scans}, headers=floor.headers("picker")
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["idempotency_key"] for r in results] == ["k0", "k1", "k2", "k3", "late"]
    assert results[1]["status"] == 422
    assert "U+0000" in results[1]["message"]
    assert results[4]["status"] == 422
    assert "scanned_at" in results[4]["message"]
    assert all(r["status"] != 422 for r in (results[0], results[2], results[3]))
    assert _scans(floor) == ["]C0LPN-1", "]C0LPN-2", "]C0LPN-3"]
    again = floor.client.post("/api/v1/scans/batch", json={"scans": scans}, headers=floor.headers("picker"))
    assert [r["status"] for r in again.json()["results"]] == [r["status"] for r in results]
    assert all(r["replayed"] for r in again.json()["results"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders?number=H-1%00",
        "/api/v1/returns/options?order=H-1%00",
        "/api/v1/audit?object_id=1%00",
        "/api/v1/items/TEE%00",
        "/api/v1/warehouses/WH1/stock?sku=%1B",
    ],
)
def test_a_control_character_in_the_url_is_refused(floor: Floor, path: str) -> None:
    _refused(floor.client.get(path, headers=floor.headers("admin")), "control characters")


def test_a_control_character_in_a_header_value_is_refused(floor: Floor) -> None:
    response = floor.client.post(
        "/api/v1/scans", json={"raw": "]C0LPN-1"}, headers=floor.headers("picker", key="a\x00b")
    )
    _refused(response, "idempotency-key", "U+0000")


def test_item_fields_refuse_control_characters(floor: Floor) -> None:
    for field, value in (("name", "Tee\x00"), ("category", "apparel\x00"), ("variant_label", "M\x1b[31m")):
        response = floor.client.post(
            "/api/v1/items",
            json={"sku": "TEE", "name": "Tee", field: value},
            headers=floor.headers("manager"),
        )
        _refused(response, field, "control characters")


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64])
def test_ids_beyond_the_database_integers_answer_4xx_on_every_id_path(floor: Floor, big: int) -> None:
    document = floor.app.openapi()
    tried = 0
    for path, operations in document["paths"].items():
        if "_id}" not in path:
            continue
        for method, operation in operations.items():
            url = path.split("{")[0] + str(big) + path.split("}", 1)[1]
            body = {} if "requestBody" in operation else None
            response = floor.client.request(
                method.upper(), url, json=body, headers=floor.headers("admin", key=str(uuid.uuid4()))
            )
            assert response.status_code in (404, 422), f"{method} {url}: {response.status_code}"
            tried += 1
    assert tried >= 15
    response = floor.client.post(
        "/api/v1/returns",
        json={"warehouse": "WH1", "order": "H-1", "lines": [{"order_line_id": big, "reason": "too_small"}]},
        headers=floor.headers("manager"),
    )
    assert response.status_code in (404, 422), response.text


def test_an_item_whose_gtin_check_digit_is_wrong_is_refused(floor: Floor) -> None:
    response = floor.client.post(
        "/api/v1/items",
        json={"sku": "TEE", "name": "Tee", "gtin": "09506000134353"},
        headers=floor.headers("manager"),
    )
    _refused(response, "gtin", "check digit")
    floor.item("TEE", gtin="09506000134352")


@pytest.mark.parametrize("sku", ["A/B", "-TEE", "TEE SHIRT", "T" * 65, ""])
def test_an_sku_outside_the_documented_characters_is_refused(floor: Floor, sku: str) -> None:
    response = floor.client.post(
        "/api/v1/items", json={"sku": sku, "name": "Tee"}, headers=floor.headers("manager")
    )
    _refused(response, "sku")
    with floor.kaeru.db.read() as session:
        assert session.exec(select(func.count()).select_from(Item)).one() == 0


def _order(**changes: Any) -> dict[str, Any]:
    order = {
        "warehouse": "WH1",
        "number": "H-1",
        "shopper": {"email": "a@example.com"},
        "ship_to": {"name": "Sam", "city": "Springfield", "country": "US"},
        "lines": [{"sku": "TEE", "quantity": 1}],
    }
    return {**order, **changes}


def test_free_text_has_a_size_limit(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 5)
    big = _order(ship_to={"street": "x" * 500_000})
    response = floor.client.post("/api/v1/orders", json=big, headers=floor.headers("integrator"))
    _refused(response, "ship_to.street", "at most 200 characters")
    document = floor.app.openapi()
    assert document["components"]["schemas"]["OrderIn"]["properties"]["number"]["maxLength"] == 64


def test_the_whole_body_has_a_size_limit(floor: Floor) -> None:
    big = _order(ship_to={"street": "x" * 2_000_000})
    response = floor.client.post("/api/v1/orders", json=big, headers=floor.headers("integrator"))
    assert response.status_code == 413
    assert "larger than 1000000 bytes" in response.json()["message"]


def test_a_quantity_given_as_text_is_refused(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 5)
    response = floor.client.post(
        "/api/v1/orders",
        json=_order(lines=[{"sku": "TEE", "quantity": "3"}]),
        headers=floor.headers("integrator"),
    )
    _refused(response, "lines.0.quantity", "valid integer")
    response = floor.client.post(
        "/api/v1/warehouses/WH1/receipts",
        json={"sku": "TEE", "quantity": "3", "location": "RCV-1"},
        headers=floor.headers("receiver", key="q"),
    )
    _refused(response, "quantity")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"])
def test_a_scan_dated_outside_the_clock_window_is_refused(floor: Floor, when: str) -> None:
    response = floor.client.post(
        "/api/v1/scans",
        json={"raw": "]C0LPN-1", "scanned_at": when},
        headers=floor.headers("picker", key=when),
    )
    _refused(response, "scanned_at", "days before")
    assert _scans(floor) == []


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/items", "/api/v1/users"])
def test_options_and_405_list_every_method_of_the_path(floor: Floor, path: str) -> None:
    documented = {m.upper() for m in floor.app.openapi()["paths"][path.replace("WH1", "{code}")]}
    assert {"GET", "POST"} <= documented
    options = floor.client.options(path, headers=floor.headers("admin"))
    assert options.status_code == 204
    allowed = {m.strip() for m in options.headers["allow"].split(",")}
    assert allowed - {"HEAD", "OPTIONS"} == documented
    refused = floor.client.delete(path, headers=floor.headers("admin"))
    assert refused.status_code == 405
    assert {m.strip() for m in refused.headers["allow"].split(",")} - {"HEAD", "OPTIONS"} == documented
    assert refused.json()["error"] == "method_not_allowed"
