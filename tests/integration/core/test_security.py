"""Every role is refused what it may not do; one warehouse's objects are not reachable from another."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.floor import Floor
from wms.context import Kaeru
from wms.identity.model import PERMISSIONS, ROLES

# (method, path, body, permission the endpoint needs)
ENDPOINTS = [
    ("POST", "/api/v1/items", {"sku": "X", "name": "X"}, "catalogue.write"),
    (
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        {"sku": "X", "quantity": 1, "location": "RCV-1"},
        "inventory.receive",
    ),
    (
        "POST",
        "/api/v1/warehouses/WH1/counts",
        {"sku": "X", "location": "RCV-1", "counted": 1, "reason": "c"},
        "inventory.adjust",
    ),
    (
        "POST",
        "/api/v1/warehouses/WH1/moves",
        {"sku": "X", "quantity": 1, "from_location": "RCV-1", "to_location": "A-01-1"},
        "inventory.move",
    ),
    (
        "POST",
        "/api/v1/orders",
        {
            "warehouse": "WH1",
            "number": "N",
            "shopper": {"email": "a@example.com"},
            "lines": [{"sku": "X", "quantity": 1}],
        },
        "orders.write",
    ),
    ("POST", "/api/v1/picking/release", {"warehouse": "WH1"}, "picking.plan"),
    ("POST", "/api/v1/picking/next", None, "picking.work"),
    ("POST", "/api/v1/packing/start", {"warehouse": "WH1", "order": "N"}, "packing.work"),
    (
        "POST",
        "/api/v1/tracking/events",
        {"tracking_number": "T", "kind": "delivered", "at": "2026-11-23T10:00:00Z"},
        "shipping.track",
    ),
    ("POST", "/api/v1/users", {"username": "u", "password": "12345678", "role": "picker"}, "users.manage"),
    ("POST", "/api/v1/devices/RET-1-AGENT/tokens", None, "devices.manage"),
    ("GET", "/api/v1/audit", None, "audit.read"),
    ("GET", "/api/v1/warehouses/WH1/ledger", None, "inventory.read"),
    ("POST", "/api/v1/devices/weights", {"grams": 10}, "device.report"),
]


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def test_every_role_is_refused_what_its_permissions_do_not_allow(floor: Floor) -> None:
    checked = 0
    for role in ROLES:
        for method, path, body, permission in ENDPOINTS:
            if role in PERMISSIONS[permission]:
                continue
            response = floor.client.request(
                method, path, json=body, headers=floor.headers(role, key=str(uuid.uuid4()))
            )
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
            assert permission in response.json()["message"]
            checked += 1
    assert checked > 40


def test_a_device_token_may_scan_but_not_manage_the_warehouse(floor: Floor) -> None:
    token = floor.device_token("RET-1-AGENT")
    assert floor.call("GET", "/api/v1/me", token)["role"] == "device"
    floor.call("POST", "/api/v1/items", token, expect=403, json={"sku": "X", "name": "X"})
    floor.scan("LOC-A-01-1", token, expect=200)


def test_requests_without_a_valid_token_are_refused_with_401(floor: Floor) -> None:
    assert floor.client.get("/api/v1/orders").status_code == 401
    bad = floor.client.get("/api/v1/orders", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert "sign in" in bad.json()["message"]


def test_another_warehouses_objects_are_not_reachable_through_their_identifiers(floor: Floor) -> None:
    wh2 = floor.another_warehouse()
    floor.item("TEE", gtin="09506000134352")
    floor.receive("TEE", 2)
    order = floor.order("X-1", [("TEE", 1)])
    outsider = floor.staff("manager", warehouse_id=wh2)
    floor.call("GET", f"/api/v1/orders/{order['id']}", outsider, expect=404)
    floor.call("GET", "/api/v1/warehouses/WH1/stock", outsider, expect=404)
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        outsider,
        expect=404,
        key="k",
        json={"sku": "TEE", "quantity": 1, "location": "A-01-1"},
    )
    assert floor.call("GET", "/api/v1/orders", outsider) == []
    floor.call("POST", f"/api/v1/orders/{order['id']}/cancel", outsider, expect=404)
    # and the owner still can
    floor.call("GET", f"/api/v1/orders/{order['id']}", "manager")


def test_production_refuses_the_default_secret() -> None:
    from pydantic import ValidationError

    from kaeru_config.settings import Settings

    with pytest.raises(ValidationError, match="KAERU_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="s" * 40).environment == "production"
