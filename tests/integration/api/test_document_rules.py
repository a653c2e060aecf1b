"""Rules the OpenAPI document states, held by the server: the Idempotency-Key's (and where it is
required), integers written as 3.0, GTIN check digits, mappings' keys, narrowed bounds; and a carrier
event's time, which must be plausible for its parcel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.floor import Floor
from tests.integration.api.test_schemathesis import _send
from wms.context import Kaeru
from wms.openapi import IDEMPOTENCY_RULE, KEY_REQUIRED


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def test_the_document_states_the_key_rule_bounds_keys_and_check_digits(floor: Floor) -> None:
    doc = floor.app.openapi()
    keys = [
        (method, path, p)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        for p in operation.get("parameters", [])
        if p["name"].lower() == "idempotency-key"
    ]
    assert len(keys) > 20
    for method, path, parameter in keys:
        assert parameter["description"].startswith(IDEMPOTENCY_RULE)
        assert parameter["required"] is ((method, path) in KEY_REQUIRED), (method, path)
    assert {(m, p) for m, p, _ in keys} >= KEY_REQUIRED
    for node in _walk(doc):
        assert not ({"gt", "ge", "lt", "le"} & set(node) and node.get("type") in ("integer", "number")), node
        assert "patternProperties" not in node
    line = doc["components"]["schemas"]["ReturnLineIn"]["properties"]["quantity"]
    assert line["maximum"] == 1000  # the narrower bound of the field, not Quantity's 1,000,000
    gtin = doc["components"]["schemas"]["ItemCreate"]["properties"]["gtin"]
    assert "check digit" in str(gtin)


def _without_a_key(floor: Floor, operation: Any) -> list[tuple[int, str]]:
    """Requests valid by the document, sent without their Idempotency-Key: (status, message id) each."""
    answer: list[tuple[int, str]] = []

    @settings(
        max_examples=10,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case: Any) -> None:
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "idempotency-key"}
        kwargs = case.as_transport_kwargs(
            base_url="http://testserver", headers={"Authorization": f"Bearer {floor.tokens['admin']}"}
        )
        response = _send(floor, kwargs)
        answer.append((response.status_code, response.json().get("message_id", "")))

    run()
    return answer


def test_every_operation_the_document_says_needs_a_key_refuses_a_change_without_one(floor: Floor) -> None:
    schema = schemathesis.openapi.from_dict(floor.app.openapi())
    operations = [r.ok() for r in schema.get_all_operations()]
    keyed = [o for o in operations if (o.method.lower(), o.path) in KEY_REQUIRED]
    assert len(keyed) == len(KEY_REQUIRED)
    for operation in keyed:
        answers = _without_a_key(floor, operation)
        # Never done without a key; refused for it once the rest of the request holds (a scan's text first).
        assert all(status >= 400 for status, _ in answers), operation.label
        assert any(m.startswith("an Idempotency-Key header is required") for _, m in answers), operation.label


def test_an_integer_written_as_a_whole_json_number_is_taken(floor: Floor) -> None:
    item = {"sku": "W-1", "name": "Whole", "gtin": "09506000134352", "weight_g": 250.0, "price_minor": 1200.0}
    created = floor.call("POST", "/api/v1/items", "admin", expect=201, json=item)
    assert created["weight_g"] == 250
    for bad in ("250", 250.5, True):
        refused = floor.call(
            "POST", "/api/v1/items", "admin", expect=422, json=item | {"sku": "W-2", "weight_g": bad}
        )
        assert "weight_g" in refused["message"]


def test_a_gtin_with_a_wrong_check_digit_is_refused_as_the_document_says(floor: Floor) -> None:
    item = {"sku": "G-1", "name": "Check", "gtin": "09506000134353"}
    refused = floor.call("POST", "/api/v1/items", "admin", expect=422, json=item)
    assert "gtin" in refused["message"]


def _shipped(floor: Floor) -> str:
    floor.item("TRK-TEE", gtin="09506000134352", weight_g=250)
    floor.receive("TRK-TEE", 2, "A-01-1")
    floor.order("TRK-1", [("TRK-TEE", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker", key="trk-next")["task"]
    floor.scan(f"LOC-{task['next']['location']}")
    floor.scan("]E09506000134352")
    carton = floor.call(
        "POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "TRK-1"}
    )
    floor.scan("]E09506000134352", "packer")
    closed = floor.call(
        "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": 250 + 180}
    )
    tracking = closed["shipment"]["tracking_number"]
    floor.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    return str(tracking)


def test_a_carrier_event_dated_in_the_future_is_refused(floor: Floor) -> None:
    tracking = _shipped(floor)
    now = datetime.now(UTC)

    def event(at: datetime, expect: int) -> Any:
        body = {"tracking_number": tracking, "kind": "in_transit", "at": at.isoformat()}
        return floor.call("POST", "/api/v1/tracking/events", "integrator", expect=expect, json=body)

    ahead = event(now + timedelta(hours=2), 422)
    assert "lies in the future" in ahead["message"]
    assert event(now + timedelta(seconds=30), 200)["status"] == "in_transit"  # a small skew is allowed
    assert event(now - timedelta(days=3), 200)["duplicate"] is False  # how early: not bounded yet
