"""The access matrix's data: who calls (one token per kind of caller), the small site they call, and
for every route of the app who may call it.

The policy is written out here independently of wms.identity.model, so that a change of the code's
tables (or an endpoint guarded by the wrong permission) shows up as a failure, not as a new truth.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from sqlmodel import select

from tests.floor import Floor
from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    authorise,
    ean_scan,
    open_parcel,
    receive,
    ship_fast,
    start_station,
)
from wms.fulfilment.tables import Order
from wms.identity.service import issue_device_token
from wms.identity.tables import Device, Station
from wms.inventory.tables import Warehouse
from wms.merchants.directory import directory_of
from wms.platform.tables import OutboxMessage
from wms.returns.tables import ReturnAuthorisation, ReturnHold
from wms.shopper.after_delivery import subscription_of

PASSWORD = "correct horse battery"
GTIN = "09506000134352"

ROLES = ("associate", "packer", "picker", "receiver", "manager", "admin")
DEVICES = ("returns-device", "pack-device", "pick-device", "receive-device")
# "outsider" is a manager of another warehouse; "shopper" presents their order link's token as a bearer.
# "other-manager" is a manager of WH1 restricted to another merchant, "other-integrator" that merchant's
# integrator: every object seeded here is the default merchant's, so both are answered 404 for them.
OTHER_MERCHANT = ("other-manager", "other-integrator")
CALLERS = ("anonymous", "shopper", *ROLES, "integrator", "outsider", *OTHER_MERCHANT, *DEVICES)

STAFF = frozenset(ROLES) | {"outsider"}
MANAGERS = frozenset({"manager", "admin", "outsider"})
EVERY_DEVICE = frozenset(DEVICES)

# Permission -> the callers that hold it.
HOLDERS: dict[str, frozenset[str]] = {
    "catalogue.read": STAFF | {"integrator"},
    "catalogue.write": MANAGERS,
    "inventory.read": STAFF,
    "inventory.receive": MANAGERS | {"receiver"},
    "inventory.move": MANAGERS | {"receiver", "picker", "associate"},
    "inventory.adjust": MANAGERS,
    "orders.read": STAFF | {"integrator"},
    "orders.write": MANAGERS | {"integrator"},
    "picking.work": MANAGERS | {"picker"},
    "picking.plan": MANAGERS,
    "packing.work": MANAGERS | {"packer"},
    "shipping.track": MANAGERS | {"integrator"},
    "scan": STAFF | EVERY_DEVICE,
    "device.report": MANAGERS | EVERY_DEVICE,
    "devices.manage": MANAGERS,
    "returns.authorise": MANAGERS | {"associate", "integrator"},
    "returns.intake": MANAGERS | {"associate"},
    "returns.station": MANAGERS | {"associate", "returns-device"},
    "returns.review": MANAGERS,
    "returns.insight": MANAGERS,
    "audit.read": MANAGERS,
    "users.manage": frozenset({"admin"}),
    "claims.review": MANAGERS,
    "dashboard.view": MANAGERS,
    "print": STAFF | EVERY_DEVICE,
    "merchants.read": STAFF | {"integrator"},
    "merchants.manage": frozenset({"admin"}),
    "billing.read": MANAGERS | {"integrator"},
    # not a permission: any caller with a valid token
    "signed in": STAFF | EVERY_DEVICE | {"integrator"},
}
# The other merchant's people hold what their role holds.
HOLDERS = {
    permission: holders
    | ({"other-manager"} if "manager" in holders else set())
    | ({"other-integrator"} if "integrator" in holders else set())
    for permission, holders in HOLDERS.items()
}
PUBLIC = "public"  # anyone, no token needed
LINK = "link"  # the token in the path is the credential: every caller is answered alike, a forged one 404
WEBHOOK = "webhook"  # a signed request from the shop only: none of these callers


@dataclass
class Site:
    """The seeded objects the routes are called on (all in WH1)."""

    tokens: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    access: str  # a key of HOLDERS, or PUBLIC / LINK / WEBHOOK
    path: str  # the route's path with real values filled in
    body: Any = None
    in_wh1: bool = False  # addresses an object of WH1: the outsider is answered 404
    owned: bool = False  # addresses an object of the default merchant: the other merchant's people 404
    form: bool = False  # body is a form, not JSON
    files: bool = False  # a photo upload
    forged: str = ""  # LINK: the same path with a token nobody was given


def seed(floor: Floor) -> Site:
    site = Site()
    floor.item("TEE", gtin=GTIN)
    floor.receive("TEE", 10)
    shipped = ship_fast(floor, "M-1", [("TEE", 1)], email="kim@example.com")
    rma = authorise(floor, shipped, [{"sku": "TEE", "quantity": 1, "reason": "changed_mind"}])
    start_station(floor)
    parcel = open_parcel(floor, rma["code"])
    unit = receive(floor, parcel["id"], raw=ean_scan(GTIN))["units"][0]
    photo = floor.call(
        "POST",
        f"/api/v1/returns/units/{unit['id']}/photos",
        "associate",
        expect=201,
        files={"photo": ("p.png", _PNG, "image/png")},
    )
    floor.order("M-2", [("TEE", 1)])
    floor.call(
        "POST", "/api/v1/picking/release", json={"warehouse": "WH1", "mode": "single", "orders": ["M-2"]}
    )
    task = floor.call("POST", "/api/v1/picking/next", "picker", key=str(uuid.uuid4()))["task"]
    floor.order("M-3", [("TEE", 1)])
    filed = floor.client.post(
        f"/api/v1/shopper/orders/{shipped['tracking_token']}/claims",
        json={"kind": "damaged_in_transit", "lines": {"TEE": 1}, "note": "crushed"},
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/purchase-orders",
        "receiver",
        expect=201,
        json={"number": "PO-1", "lines": [{"sku": "TEE", "quantity": 1}]},
    )
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        "receiver",
        json={"sku": "TEE", "quantity": 2, "location": "RCV-1", "plate": "PAL-1"},
    )
    count_task = floor.call(
        "POST",
        "/api/v1/warehouses/WH1/count-tasks",
        "manager",
        expect=201,
        json={"sku": "TEE", "location": "A-01-1"},
    )

    def rows(session: Any) -> dict[str, Any]:
        wh1 = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        rma_row = session.exec(
            select(ReturnAuthorisation).where(ReturnAuthorisation.number == rma["number"])
        ).one()
        hold = ReturnHold(
            warehouse_id=wh1.id, merchant_id=rma_row.merchant_id, rma_id=rma_row.id, signals=["review"]
        )
        session.add(hold)
        order = session.exec(select(Order).where(Order.number == "M-1")).one()
        cancel = session.exec(select(Order).where(Order.number == "M-3")).one()
        in_wh1 = OutboxMessage.channel == "print", OutboxMessage.warehouse_id == wh1.id
        label = session.exec(select(OutboxMessage).where(*in_wh1)).first()
        station = Station(warehouse_id=wh1.id, code="RCV-ST", kind="receive")
        session.add(station)
        session.flush()
        scanner = Device(warehouse_id=wh1.id, code="RCV-ST-SCANNER", kind="scanner", station_id=station.id)
        session.add(scanner)
        session.flush()
        tokens = {"receive-device": issue_device_token(session, scanner)}
        return {
            "hold": hold.id,
            "shopper": order.shopper_id,
            "cancel_order": cancel.id,
            "print_job": label.message_id,
            "unsubscribe": subscription_of(session, order.shopper_id).token,
            "tokens": tokens,
        }

    made = floor.kaeru.db.write(rows)
    wh2 = floor.another_warehouse()
    site.tokens = {role: floor.tokens[role] for role in (*ROLES, "integrator")}
    site.tokens |= made.pop("tokens")
    site.tokens["outsider"] = floor.staff("manager", warehouse_id=wh2)
    floor.merchant("OTHER")
    site.tokens["other-manager"] = floor.staff("manager", merchants=("OTHER",))
    site.tokens["other-integrator"] = floor.staff("integrator", merchants=("OTHER",))
    site.tokens["shopper"] = shipped["tracking_token"]
    for name, code in (
        ("returns-device", "RET-1-AGENT"),
        ("pack-device", "PACK-1-AGENT"),
        ("pick-device", "HH-01"),
    ):
        site.tokens[name] = floor.device_token(code)
    site.values = {
        **made,
        "order": shipped["id"],
        "number": shipped["number"],
        "tracking_token": shipped["tracking_token"],
        "tracking_number": shipped["tracking_number"],
        "sscc": shipped["sscc"],
        "rma": rma["number"],
        "rma_code": rma["code"],
        "rma_token": rma["token"],
        "parcel": parcel["id"],
        "unit": unit["id"],
        "photo": photo["id"],
        "task": task["task_id"],
        "claim": claim["number"],
        "merchant": directory_of(floor.kaeru).default().code,
        "count_task": count_task["id"],
    }
    return site


def _png() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(picture, format="PNG")
    return picture.getvalue()


_PNG = _png()


def cases(v: dict[str, Any]) -> dict[str, Case]:
    """Every route of the app ("METHOD path" as declared) -> who may call it, on a real object."""
    now = datetime.now(UTC).isoformat()
    tok, rtok = v["tracking_token"], v["rma_token"]
    forged = "f" * 32
    order_in = {
        "warehouse": "WH1",
        "number": "M-9",
        "shopper": {"email": "lee@example.com"},
        "ship_to": {
            "name": "Lee",
            "street": "1 Main St",
            "city": "Springfield",
            "postal_code": "62701",
            "country": "US",
        },
        "lines": [{"sku": "TEE", "quantity": 1}],
    }
    api = "/api/v1"
    c: dict[str, Case] = {
        # documents, health, screens
        "GET /openapi.json": Case(PUBLIC, "/openapi.json"),
        "GET /docs": Case(PUBLIC, "/docs"),
        "GET /redoc": Case(PUBLIC, "/redoc"),
        "GET /healthz": Case(PUBLIC, "/healthz"),
        "GET /readyz": Case(PUBLIC, "/readyz"),
        "GET /metrics": Case(PUBLIC, "/metrics"),
        "GET /": Case(PUBLIC, "/"),
        "GET /ui": Case(PUBLIC, "/ui"),
        "GET /ui/static/{path}": Case(PUBLIC, "/ui/static/css/kiosk.css"),
        "GET /ui/i18n": Case(PUBLIC, "/ui/i18n"),
        "GET /ui/i18n/{code}.json": Case(PUBLIC, "/ui/i18n/en.json"),
        "GET /ui/{page}": Case(PUBLIC, "/ui/login"),
        "GET /shopper-static/shopper.css": Case(PUBLIC, "/shopper-static/shopper.css"),
        "GET /api/v1/returns/policy": Case(PUBLIC, f"{api}/returns/policy"),
        # identity
        "POST /api/v1/auth/login": Case(
            PUBLIC, f"{api}/auth/login", {"username": "manager", "password": PASSWORD}
        ),
        "GET /api/v1/me": Case("signed in", f"{api}/me"),
        "POST /api/v1/users": Case(
            "users.manage", f"{api}/users", {"username": "u-new", "password": "12345678", "role": "picker"}
        ),
        "GET /api/v1/users": Case("users.manage", f"{api}/users"),
        "GET /api/v1/devices": Case("inventory.read", f"{api}/devices"),
        "POST /api/v1/devices/{code}/tokens": Case(
            "devices.manage", f"{api}/devices/RET-1-AGENT/tokens", in_wh1=True
        ),
        "GET /api/v1/stations/{code}": Case("signed in", f"{api}/stations/RET-1", in_wh1=True),
        "GET /api/v1/audit": Case("audit.read", f"{api}/audit"),
        # scanning
        "POST /api/v1/scans": Case("scan", f"{api}/scans", {"raw": "LOC-A-01-1"}),
        "POST /api/v1/scans/batch": Case(
            "scan", f"{api}/scans/batch", {"scans": [{"raw": "LOC-A-01-1", "idempotency_key": "b"}]}
        ),
        "GET /api/v1/scans": Case("inventory.read", f"{api}/scans"),
        "POST /api/v1/devices/weights": Case(
            "device.report", f"{api}/devices/weights", {"grams": 10, "stable": True}
        ),
        "POST /api/v1/devices/health": Case("device.report", f"{api}/devices/health", {"state": "connected"}),
        "PUT /api/v1/devices/assignment": Case("scan", f"{api}/devices/assignment", {"mode": "idle"}),
        # inventory
        "POST /api/v1/items": Case("catalogue.write", f"{api}/items", {"sku": "NEW", "name": "New"}),
        "GET /api/v1/items": Case("catalogue.read", f"{api}/items"),
        "GET /api/v1/items/{sku}": Case("inventory.read", f"{api}/items/TEE"),
        "GET /api/v1/warehouses/{code}/locations": Case(
            "inventory.read", f"{api}/warehouses/WH1/locations", in_wh1=True
        ),
        "GET /api/v1/warehouses/{code}/stock": Case(
            "inventory.read", f"{api}/warehouses/WH1/stock", in_wh1=True
        ),
        "POST /api/v1/warehouses/{code}/receipts": Case(
            "inventory.receive",
            f"{api}/warehouses/WH1/receipts",
            {"sku": "TEE", "quantity": 1, "location": "A-01-1"},
            in_wh1=True,
        ),
        "POST /api/v1/warehouses/{code}/moves": Case(
            "inventory.move",
            f"{api}/warehouses/WH1/moves",
            {"sku": "TEE", "quantity": 1, "from_location": "A-01-1", "to_location": "A-01-2"},
            in_wh1=True,
        ),
        "POST /api/v1/warehouses/{code}/counts": Case(
            "inventory.adjust",
            f"{api}/warehouses/WH1/counts",
            {"sku": "TEE", "location": "A-01-1", "counted": 9, "reason": "count"},
            in_wh1=True,
        ),
        "GET /api/v1/warehouses/{code}/ledger": Case(
            "inventory.read", f"{api}/warehouses/WH1/ledger", in_wh1=True
        ),
        "POST /api/v1/warehouses/{code}/purchase-orders": Case(
            "inventory.receive",
            f"{api}/warehouses/WH1/purchase-orders",
            {"number": "PO-2", "lines": [{"sku": "TEE", "quantity": 1}]},
            in_wh1=True,
        ),
        "GET /api/v1/warehouses/{code}/purchase-orders/{number}": Case(
            "inventory.read", f"{api}/warehouses/WH1/purchase-orders/PO-1", in_wh1=True
        ),
        "GET /api/v1/warehouses/{code}/purchase-orders": Case(
            "inventory.read", f"{api}/warehouses/WH1/purchase-orders", in_wh1=True
        ),
        "POST /api/v1/warehouses/{code}/purchase-orders/{number}/close": Case(
            "inventory.receive",
            f"{api}/warehouses/WH1/purchase-orders/PO-1/close",
            {"reason": "short"},
            in_wh1=True,
        ),
        "GET /api/v1/warehouses/{code}/plates/{plate}": Case(
            "inventory.read", f"{api}/warehouses/WH1/plates/PAL-1", in_wh1=True
        ),
        "POST /api/v1/warehouses/{code}/putaways": Case(
            "inventory.move",
            f"{api}/warehouses/WH1/putaways",
            {"plate": "PAL-1", "location": "A-01-2"},
            in_wh1=True,
        ),
        "POST /api/v1/warehouses/{code}/count-tasks": Case(
            "inventory.adjust",
            f"{api}/warehouses/WH1/count-tasks",
            {"sku": "TEE", "location": "A-01-1"},
            in_wh1=True,
        ),
        "GET /api/v1/warehouses/{code}/count-tasks": Case(
            "inventory.read", f"{api}/warehouses/WH1/count-tasks", in_wh1=True
        ),
        "POST /api/v1/warehouses/{code}/count-tasks/{task_id}/count": Case(
            "inventory.move",
            f"{api}/warehouses/WH1/count-tasks/{v['count_task']}/count",
            {"counted": 10},
            in_wh1=True,
        ),
        "POST /api/v1/warehouses/{code}/count-tasks/{task_id}/decision": Case(
            "inventory.adjust",
            f"{api}/warehouses/WH1/count-tasks/{v['count_task']}/decision",
            {"approve": True},
            in_wh1=True,
        ),
        # fulfilment
        "POST /api/v1/orders": Case("orders.write", f"{api}/orders", order_in, in_wh1=True),
        "GET /api/v1/orders": Case("orders.read", f"{api}/orders"),
        "GET /api/v1/orders/{order_id}": Case("orders.read", f"{api}/orders/{v['order']}", in_wh1=True),
        "POST /api/v1/orders/{order_id}/cancel": Case(
            "orders.write", f"{api}/orders/{v['cancel_order']}/cancel", in_wh1=True
        ),
        "POST /api/v1/picking/release": Case(
            "picking.plan", f"{api}/picking/release", {"warehouse": "WH1"}, in_wh1=True
        ),
        "POST /api/v1/picking/next": Case("picking.work", f"{api}/picking/next"),
        "GET /api/v1/picking/tasks/{task_id}": Case(
            "picking.work", f"{api}/picking/tasks/{v['task']}", in_wh1=True
        ),
        "POST /api/v1/picking/tasks/{task_id}/short": Case(
            "picking.work", f"{api}/picking/tasks/{v['task']}/short", {"missing": 1}, in_wh1=True
        ),
        "GET /api/v1/live/summary": Case("dashboard.view", f"{api}/live/summary?warehouse=WH1", in_wh1=True),
        "GET /api/v1/print-jobs": Case("print", f"{api}/print-jobs?order={v['number']}"),
        "POST /api/v1/print-jobs/{job_id}/reprint": Case(
            "print", f"{api}/print-jobs/{v['print_job']}/reprint", {}, in_wh1=True
        ),
        "POST /api/v1/packing/start": Case(
            "packing.work", f"{api}/packing/start", {"warehouse": "WH1", "order": "M-2"}, in_wh1=True
        ),
        "GET /api/v1/packing/cartons/{sscc}": Case(
            "packing.work", f"{api}/packing/cartons/{v['sscc']}", in_wh1=True
        ),
        "POST /api/v1/packing/cartons/{sscc}/close": Case(
            "packing.work", f"{api}/packing/cartons/{v['sscc']}/close", {"weight_g": 380}, in_wh1=True
        ),
        "POST /api/v1/shipments/{tracking_number}/ship": Case(
            "packing.work", f"{api}/shipments/{v['tracking_number']}/ship", in_wh1=True
        ),
        # carriers: labels, manifests, tracking polls
        "POST /api/v1/packing/cartons/{sscc}/label": Case(
            "packing.work", f"{api}/packing/cartons/{v['sscc']}/label", in_wh1=True
        ),
        "POST /api/v1/carriers/labels/{tracking_number}/void": Case(
            "packing.work", f"{api}/carriers/labels/{v['tracking_number']}/void", in_wh1=True
        ),
        "POST /api/v1/carriers/manifests": Case(
            "packing.work", f"{api}/carriers/manifests", {"warehouse": "WH1", "carrier": "UPS"}, in_wh1=True
        ),
        "GET /api/v1/carriers/unmanifested": Case(
            "packing.work", f"{api}/carriers/unmanifested?warehouse=WH1", in_wh1=True
        ),
        "POST /api/v1/carriers/tracking/poll": Case("shipping.track", f"{api}/carriers/tracking/poll"),
        "POST /api/v1/tracking/events": Case(
            "shipping.track",
            f"{api}/tracking/events",
            {"tracking_number": v["tracking_number"], "kind": "in_transit", "at": now},
            in_wh1=True,
        ),
        "GET /api/v1/shipments/{tracking_number}/events": Case(
            "orders.read", f"{api}/shipments/{v['tracking_number']}/events", in_wh1=True
        ),
        # returns: staff
        "GET /api/v1/returns/rubrics/{category}": Case("returns.station", f"{api}/returns/rubrics/apparel"),
        "GET /api/v1/returns/options": Case(
            "returns.authorise", f"{api}/returns/options?order={v['number']}&warehouse=WH1", in_wh1=True
        ),
        "POST /api/v1/returns": Case(
            "returns.authorise",
            f"{api}/returns",
            {
                "warehouse": "WH1",
                "order": v["number"],
                "lines": [{"sku": "TEE", "quantity": 1, "reason": "changed_mind"}],
            },
            in_wh1=True,
        ),
        "GET /api/v1/returns": Case("returns.intake", f"{api}/returns"),
        "POST /api/v1/returns/{number}/label": Case(
            "returns.authorise", f"{api}/returns/{v['rma']}/label", {"station": "RET-1"}, in_wh1=True
        ),
        "POST /api/v1/returns/{number}/cancel": Case(
            "returns.authorise", f"{api}/returns/{v['rma']}/cancel", in_wh1=True
        ),
        "GET /api/v1/returns/{number}": Case("returns.authorise", f"{api}/returns/{v['rma']}", in_wh1=True),
        "POST /api/v1/returns/station/start": Case(
            "returns.station", f"{api}/returns/station/start", {"station": "RET-1"}, in_wh1=True
        ),
        "POST /api/v1/returns/parcels": Case(
            "returns.station",
            f"{api}/returns/parcels",
            {"code": v["rma_code"], "station": "RET-1"},
            in_wh1=True,
        ),
        "GET /api/v1/returns/parcels/{parcel_id}": Case(
            "returns.station", f"{api}/returns/parcels/{v['parcel']}", in_wh1=True
        ),
        "POST /api/v1/returns/parcels/{parcel_id}/units": Case(
            "returns.station",
            f"{api}/returns/parcels/{v['parcel']}/units",
            {"raw": ean_scan(GTIN)},
            in_wh1=True,
        ),
        "POST /api/v1/returns/parcels/{parcel_id}/close": Case(
            "returns.station", f"{api}/returns/parcels/{v['parcel']}/close", in_wh1=True
        ),
        "POST /api/v1/returns/units/{unit_id}/grade": Case(
            "returns.station",
            f"{api}/returns/units/{v['unit']}/grade",
            {"answers": LIKE_NEW_APPAREL, "station": "RET-1"},
            in_wh1=True,
        ),
        "POST /api/v1/returns/units/{unit_id}/put-away": Case(
            "returns.station",
            f"{api}/returns/units/{v['unit']}/put-away",
            {"location": "A-01-1"},
            in_wh1=True,
        ),
        "GET /api/v1/returns/units/{unit_id}": Case(
            "returns.station", f"{api}/returns/units/{v['unit']}", in_wh1=True
        ),
        "POST /api/v1/returns/units/{unit_id}/photos": Case(
            "returns.station", f"{api}/returns/units/{v['unit']}/photos", files=True, in_wh1=True
        ),
        "GET /api/v1/returns/units/{unit_id}/photos": Case(
            "returns.review", f"{api}/returns/units/{v['unit']}/photos", in_wh1=True
        ),
        "GET /api/v1/returns/photos/{photo_id}": Case(
            "returns.review", f"{api}/returns/photos/{v['photo']}", in_wh1=True
        ),
        "GET /api/v1/returns/holds": Case("returns.review", f"{api}/returns/holds"),
        "POST /api/v1/returns/holds/{hold_id}/approve": Case(
            "returns.review", f"{api}/returns/holds/{v['hold']}/approve", {"note": "ok"}, in_wh1=True
        ),
        "POST /api/v1/returns/holds/{hold_id}/reject": Case(
            "returns.review", f"{api}/returns/holds/{v['hold']}/reject", {"note": "no"}, in_wh1=True
        ),
        "GET /api/v1/shoppers/{shopper_id}/trust": Case(
            "returns.review", f"{api}/shoppers/{v['shopper']}/trust", in_wh1=True
        ),
        # insight
        "GET /api/v1/insight/returns": Case("returns.insight", f"{api}/insight/returns"),
        "GET /api/v1/insight/returns/reasons": Case("returns.insight", f"{api}/insight/returns/reasons"),
        "GET /api/v1/insight/returns/grades": Case("returns.insight", f"{api}/insight/returns/grades"),
        "GET /api/v1/insight/returns/dispositions": Case(
            "returns.insight", f"{api}/insight/returns/dispositions"
        ),
        "GET /api/v1/insight/returns/recovery": Case("returns.insight", f"{api}/insight/returns/recovery"),
        "GET /api/v1/insight/returns/dock-to-stock": Case(
            "returns.insight", f"{api}/insight/returns/dock-to-stock"
        ),
        # shopper: storefront, claims (staff), the shop's webhook
        "POST /api/v1/edd": Case(
            "orders.read",
            f"{api}/edd",
            {
                "destination": {"country": "US", "postal_code": "62701"},
                "lines": [{"sku": "TEE", "quantity": 1}],
            },
        ),
        "GET /api/v1/edd/orders/{number}": Case(
            "orders.read", f"{api}/edd/orders/{v['number']}", in_wh1=True
        ),
        "POST /api/v1/integrations/shopify/orders": Case(
            WEBHOOK, f"{api}/integrations/shopify/orders", {"id": 1}
        ),
        "GET /api/v1/claims": Case("claims.review", f"{api}/claims"),
        "GET /api/v1/claims/{number}": Case("claims.review", f"{api}/claims/{v['claim']}", in_wh1=True),
        "POST /api/v1/claims/{number}/decide": Case(
            "claims.review",
            f"{api}/claims/{v['claim']}/decide",
            {"resolution": "refund", "note": "ok"},
            in_wh1=True,
        ),
        # the shopper's links
        "GET /api/v1/shopper/orders/{token}/returns/options": _link(
            f"{api}/shopper/orders/{{}}/returns/options", tok, forged
        ),
        "POST /api/v1/shopper/orders/{token}/returns": _link(
            f"{api}/shopper/orders/{{}}/returns",
            tok,
            forged,
            {"lines": [{"sku": "TEE", "quantity": 1, "reason": "changed_mind"}]},
        ),
        "GET /api/v1/shopper/orders/{token}/returns": _link(
            f"{api}/shopper/orders/{{}}/returns", tok, forged
        ),
        "GET /api/v1/shopper/orders/{token}/returns/{number}": _link(
            f"{api}/shopper/orders/{{}}/returns/{v['rma']}", tok, forged
        ),
        "GET /api/v1/shopper/returns/{rma_token}": _link(f"{api}/shopper/returns/{{}}", rtok, forged),
        "GET /api/v1/shopper/returns/{rma_token}/label.pdf": _link(
            f"{api}/shopper/returns/{{}}/label.pdf", rtok, forged
        ),
        "POST /api/v1/shopper/orders/{token}/claims": _link(
            f"{api}/shopper/orders/{{}}/claims", tok, forged, {"kind": "not_received"}
        ),
        "GET /api/v1/shopper/orders/{token}/tracking": _link(
            f"{api}/shopper/orders/{{}}/tracking", tok, forged
        ),
        "GET /t/{token}": _link("/t/{}", tok, forged),
        "GET /r/{rma_token}": _link("/r/{}", rtok, forged),
        "GET /t/{token}/claim": _link("/t/{}/claim", tok, forged),
        "POST /t/{token}/claim": _link("/t/{}/claim", tok, forged, {"kind": "not_received"}, form=True),
        "GET /t/{token}/claims/{number}": _link(f"/t/{{}}/claims/{v['claim']}", tok, forged),
        "GET /u/{token}": _link("/u/{}", v["unsubscribe"], forged),
        "POST /u/{token}": _link("/u/{}", v["unsubscribe"], forged, {}, form=True),
        "GET /t/{token}/return": _link("/t/{}/return", tok, forged),
        "POST /t/{token}/return/options": _link("/t/{}/return/options", tok, forged, {}, form=True),
        "POST /t/{token}/return/confirm": _link("/t/{}/return/confirm", tok, forged, {}, form=True),
        # the dashboard's WebSocket
        "WS /api/v1/live": Case("dashboard.view", f"{api}/live?warehouse=WH1", in_wh1=True),
    }
    c |= {
        "GET /api/v1/merchants": Case("merchants.read", f"{api}/merchants"),
        "GET /api/v1/merchants/{code}": Case("merchants.read", f"{api}/merchants/{v['merchant']}"),
        "PUT /api/v1/merchants/{code}": Case(
            "merchants.manage", f"{api}/merchants/NEWCO", {"name": "New Co", "brand": {"name": "New Co"}}
        ),
        "GET /api/v1/billing": Case("billing.read", f"{api}/billing"),
        "GET /api/v1/billing.csv": Case("billing.read", f"{api}/billing.csv"),
    }
    for key in OWNED:
        c[key] = replace(c[key], owned=True)
    return c


OWNED = [
    "POST /api/v1/packing/cartons/{sscc}/label",
    "POST /api/v1/warehouses/{code}/count-tasks",
    "GET /api/v1/audit",  # the floor's whole trail: refused (403) to one merchant's people
    "GET /api/v1/items/{sku}",
    "POST /api/v1/warehouses/{code}/receipts",
    "POST /api/v1/warehouses/{code}/moves",
    "POST /api/v1/warehouses/{code}/counts",
    "POST /api/v1/warehouses/{code}/purchase-orders",
    "GET /api/v1/warehouses/{code}/purchase-orders/{number}",
    "POST /api/v1/orders",
    "GET /api/v1/orders/{order_id}",
    "POST /api/v1/orders/{order_id}/cancel",
    "POST /api/v1/print-jobs/{job_id}/reprint",
    "POST /api/v1/packing/start",
    "GET /api/v1/packing/cartons/{sscc}",
    "POST /api/v1/packing/cartons/{sscc}/close",
    "POST /api/v1/shipments/{tracking_number}/ship",
    "POST /api/v1/tracking/events",
    "GET /api/v1/shipments/{tracking_number}/events",
    "GET /api/v1/returns/options",
    "POST /api/v1/returns",
    "POST /api/v1/returns/{number}/label",
    "POST /api/v1/returns/{number}/cancel",
    "GET /api/v1/returns/{number}",
    "POST /api/v1/returns/parcels",
    "GET /api/v1/returns/parcels/{parcel_id}",
    "POST /api/v1/returns/parcels/{parcel_id}/units",
    "POST /api/v1/returns/parcels/{parcel_id}/close",
    "POST /api/v1/returns/units/{unit_id}/grade",
    "POST /api/v1/returns/units/{unit_id}/put-away",
    "GET /api/v1/returns/units/{unit_id}",
    "POST /api/v1/returns/units/{unit_id}/photos",
    "GET /api/v1/returns/units/{unit_id}/photos",
    "GET /api/v1/returns/photos/{photo_id}",
    "POST /api/v1/returns/holds/{hold_id}/approve",
    "POST /api/v1/returns/holds/{hold_id}/reject",
    "GET /api/v1/shoppers/{shopper_id}/trust",
    "GET /api/v1/edd/orders/{number}",
    "GET /api/v1/claims/{number}",
    "POST /api/v1/claims/{number}/decide",
    "GET /api/v1/merchants/{code}",
]


def _link(template: str, token: str, forged: str, body: Any = None, *, form: bool = False) -> Case:
    return Case(LINK, template.format(token), body, form=form, forged=template.format(forged))
