"""Shipped and delivered orders made over the HTTP API, ready to be returned; and the returns verbs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from tests.floor import Floor
from wms.carriers.labels import settle
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Carton, Order, PickTask, Shipment
from wms.identity.model import Principal
from wms.inventory.service import location_by_code
from wms.inventory.tables import Item, Location, Quant, Warehouse
from wms.merchants.service import default_merchant
from wms.platform.tables import OutboxMessage
from wms.seed import gtin13

GS = "\x1d"


def gtin(reference: int) -> str:
    return gtin13("0614141", reference)


def ean_scan(gtin14: str) -> str:
    return f"]E0{gtin14[1:]}"


def gs1_serial_scan(gtin14: str, serial: str) -> str:
    return f"]d201{gtin14}21{serial}"


def key() -> str:
    return str(uuid.uuid4())


def _serials_at(floor: Floor, sku: str, location: str, *, reserved: bool) -> list[str]:
    rows = floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={sku}&location={location}")
    return [r["serial"] for r in rows if r["serial"] and (r["reserved"] > 0) == reserved]


def ship(
    floor: Floor,
    number: str,
    lines: list[tuple[str, int]],
    *,
    email: str = "sam@example.com",
    locale: str = "en",
    delivered_days_ago: int | None = 2,
    merchant: str | None = None,
) -> dict[str, Any]:
    """An order picked, packed and shipped by scans over the API, and delivered some days ago."""
    order = floor.order(number, lines, email=email, locale=locale, merchant=merchant)
    floor.call(
        "POST",
        "/api/v1/picking/release",
        "manager",
        json={"warehouse": "WH1", "mode": "single", "orders": [number]},
    )
    task = floor.call("POST", "/api/v1/picking/next", "picker", key=key())["task"]
    while task["next"]:
        step = task["next"]
        floor.scan(f"LOC-{step['location']}")
        code = floor.gtin_of(step["sku"])
        if step["serial_tracked"]:
            serial = _serials_at(floor, step["sku"], step["location"], reserved=True)[0]
            task = floor.scan(gs1_serial_scan(code, serial))["data"]
        else:
            task = floor.scan(ean_scan(code))["data"]
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": number})
    weight = 180
    with floor.kaeru.db.read() as session:
        items = {i.sku: i for i in session.exec(select(Item).where(col(Item.sku).in_([s for s, _ in lines])))}
    for sku, quantity in lines:
        item = items[sku]
        weight += item.weight_g * quantity
        if item.tracking == "serial":
            for serial in _serials_at(floor, sku, "PACK-1", reserved=True)[:quantity]:
                floor.scan(serial, "packer")
        else:
            for _ in range(quantity):
                floor.scan(ean_scan(item.gtin or ""), "packer")
    closed = floor.call(
        "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": weight}
    )
    tracking = closed["shipment"]["tracking_number"]
    floor.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    if delivered_days_ago is not None:
        at = datetime.now(UTC) - timedelta(days=delivered_days_ago)
        floor.call(
            "POST",
            "/api/v1/tracking/events",
            "integrator",
            json={"tracking_number": tracking, "kind": "delivered", "at": at.isoformat()},
        )
    with floor.kaeru.db.read() as session:
        from wms.fulfilment.tables import Order

        token = session.exec(select(Order).where(Order.number == number)).one().tracking_token
    return {
        **order,
        "tracking_token": token,
        "tracking_number": tracking,
        "sscc": carton["sscc"],
        "contents": closed["contents"],
    }


def shopper(floor: Floor, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
    """A call from the shopper's phone: no staff token, only the token in the link."""
    response = floor.client.request(method, path, **kwargs)
    assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def authorise(floor: Floor, order: dict[str, Any], lines: list[dict[str, Any]], *, expect: int = 201) -> Any:
    """A return started by the shopper through their order link."""
    return shopper(
        floor,
        "POST",
        f"/api/v1/shopper/orders/{order['tracking_token']}/returns",
        expect=expect,
        json={"lines": lines},
    )


def start_station(floor: Floor, who: str = "associate", station: str = "RET-1") -> None:
    floor.call("POST", "/api/v1/returns/station/start", who, json={"station": station})


def open_parcel(
    floor: Floor, code: str, *, weight_g: int | None = None, who: str = "associate", expect: int = 200
) -> Any:
    return floor.call(
        "POST",
        "/api/v1/returns/parcels",
        who,
        key=key(),
        expect=expect,
        json={"code": code, "station": "RET-1", "weight_g": weight_g},
    )


def receive(floor: Floor, parcel_id: int, *, who: str = "associate", expect: int = 200, **body: Any) -> Any:
    return floor.call(
        "POST", f"/api/v1/returns/parcels/{parcel_id}/units", who, key=key(), expect=expect, json=body
    )


def grade(
    floor: Floor, unit_id: int, answers: dict[str, str], *, who: str = "associate", expect: int = 200
) -> Any:
    return floor.call(
        "POST",
        f"/api/v1/returns/units/{unit_id}/grade",
        who,
        key=key(),
        expect=expect,
        json={"answers": answers, "station": "RET-1"},
    )


def outbox(floor: Floor, channel: str, topic: str | None = None) -> list[OutboxMessage]:
    with floor.kaeru.db.read() as session:
        statement = (
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(col(OutboxMessage.id))
        )
        if topic:
            statement = statement.where(OutboxMessage.topic == topic)
        return list(session.exec(statement))


LIKE_NEW_APPAREL = {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"}
WORN_APPAREL = {"tags_attached": "no", "worn": "yes", "stains": "minor", "odour": "no", "damage": "no"}
SEALED_ELECTRONICS = {
    "seal_intact": "yes",
    "powers_on": "yes",
    "accessories_complete": "yes",
    "screen_damage": "none",
    "liquid_damage": "no",
}
OPENED_ELECTRONICS = {
    "seal_intact": "no",
    "powers_on": "yes",
    "accessories_complete": "yes",
    "screen_damage": "none",
    "liquid_damage": "no",
}


@dataclass
class Catalogue:
    """Unique names for one test on a shared floor."""

    floor: Floor
    tag: int

    def sku(self, name: str) -> str:
        return f"{name}-{self.tag}"

    def gtin(self, index: int) -> str:
        return gtin(self.tag * 10 + index)

    def item(self, name: str, index: int, **kwargs: Any) -> dict[str, Any]:
        return self.floor.item(self.sku(name), gtin=self.gtin(index), **kwargs)

    def email(self) -> str:
        return f"shopper{self.tag}@example.com"

    def order_number(self, suffix: str = "") -> str:
        return f"T{self.tag}{suffix}"


def ship_fast(
    floor: Floor,
    number: str,
    lines: list[tuple[str, int]],
    *,
    email: str,
    locale: str = "en",
    delivered_days_ago: int | None = 2,
    existing: bool = False,
) -> dict[str, Any]:
    """Create (unless `existing`), pick, pack, ship and deliver an order through the fulfilment service,
    in one transaction."""
    kaeru = floor.kaeru

    def work(session: Any) -> tuple[int, int, Order, Principal]:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        who = Principal(kind="user", role="manager", warehouse_id=warehouse.id, user_id=None, name="test")
        if existing:
            order = session.exec(select(Order).where(Order.number == number)).one()
        else:
            order = fulfilment.create_order(
                session,
                principal=who,
                warehouse=warehouse,
                site=kaeru.site,
                new=fulfilment.NewOrder(
                    number=number,
                    merchant_id=default_merchant(session).id or 0,
                    shopper_email=email,
                    shopper_name="Pat Shopper",
                    shopper_locale=locale,
                    ship_to={
                        "name": "Pat Shopper",
                        "street": "5 Elm St",
                        "city": "Austin",
                        "region": "TX",
                        "postal_code": "78701",
                        "country": "US",
                    },
                    lines=[fulfilment.NewLine(sku, qty) for sku, qty in lines],
                ),
            )
        assert order.status == "reserved", f"{number} could not be reserved: {order.status}"
        [task] = fulfilment.create_pick_tasks(
            session, principal=who, warehouse=warehouse, mode="single", order_numbers=[number]
        )
        serials: list[str] = []
        while (line := fulfilment.current_line(session, task)) is not None:
            location = session.get(Location, line.location_id)
            item = session.get(Item, line.item_id)
            fulfilment.pick_scan(
                session, principal=who, task=task, kind="location", code=location.code, gtin=None, serial=None
            )
            serial = None
            if item.tracking == "serial":
                quant = session.exec(
                    select(Quant)
                    .where(
                        Quant.item_id == item.id,
                        Quant.location_id == location.id,
                        Quant.reserved > 0,
                        Quant.quantity > 0,
                    )
                    .order_by(col(Quant.id))
                ).first()
                serial = quant.serial
                serials.append(serial)
            fulfilment.pick_scan(
                session, principal=who, task=task, kind="gtin", code=None, gtin=item.gtin, serial=serial
            )
        session.refresh(task, ["status"])
        assert session.get(PickTask, task.id).status == "done"
        carton = fulfilment.open_carton(
            session, principal=who, order=order, warehouse=warehouse, company_prefix="0614141"
        )
        weight = 0
        for sku, qty in lines:
            item = session.exec(select(Item).where(Item.sku == sku)).one()
            for _ in range(qty):
                serial = next(
                    (s for s in serials if item.tracking == "serial" and _is_at_pack(session, item, s)), None
                )
                if serial:
                    serials.remove(serial)
                fulfilment.pack_scan(
                    session,
                    principal=who,
                    carton=carton,
                    kind="gtin",
                    gtin=item.gtin,
                    code=None,
                    serial=serial,
                )
                weight += item.weight_g
        label = fulfilment.close_carton(
            session, principal=who, carton=carton, weight_g=weight + 180, site=kaeru.site
        )
        return label.id, carton.id, order, who

    label_id, carton_id, order, who = kaeru.db.write(work)
    settle(kaeru, label_id)  # the carrier sells the label between the two transactions, as in the product

    def handover(session: Any) -> dict[str, Any]:
        shipment = session.exec(select(Shipment).where(Shipment.carton_id == carton_id)).one()
        fulfilment.ship(session, principal=who, shipment=shipment)
        if delivered_days_ago is not None:
            fulfilment.record_tracking_event(
                session,
                principal=who,
                tracking_number=shipment.tracking_number,
                kind="delivered",
                at=datetime.now(UTC) - timedelta(days=delivered_days_ago),
            )
        carton = session.get(Carton, carton_id)
        return {
            "number": number,
            "tracking_token": order.tracking_token,
            "id": order.id,
            "tracking_number": shipment.tracking_number,
            "sscc": carton.sscc,
        }

    return kaeru.db.write(handover)


def _is_at_pack(session: Any, item: Item, serial: str) -> bool:
    pack = location_by_code(session, item_warehouse(session), "PACK-1")
    return (
        session.exec(
            select(Quant).where(
                Quant.item_id == item.id,
                Quant.serial == serial,
                Quant.location_id == pack.id,
                Quant.quantity > 0,
            )
        ).first()
        is not None
    )


def item_warehouse(session: Any) -> int:
    return session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one().id


def order_row(floor: Floor, number: str) -> Order:
    with floor.kaeru.db.read() as session:
        return session.exec(select(Order).where(Order.number == number)).one()


def shipment_row(floor: Floor, number: str) -> Shipment:
    with floor.kaeru.db.read() as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        return session.exec(select(Shipment).where(Shipment.order_id == order.id)).one()
