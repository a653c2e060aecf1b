"""Buying, voiding and tracking labels, and the end-of-day manifest: the carrier is called between
transactions, never inside one.

A closed carton's label is pending (wms/carriers/requests.py) until `settle` buys it: rate, choose the
service (model.choose_service), buy under the label's idempotency key (the reference the carrier
keeps), then one transaction writes the shipment and queues the print. A carrier that is down, slow
or rate-limiting leaves the label pending with its next try set by exponential backoff with full
jitter; `retry_due` (run by the carriers worker) takes it up again. The carton has no shipment — so
it cannot be handed over — until a label is bought. A crash after the carrier's answer and before the
commit leaves the label pending: the retry asks again under the same reference, and the carrier
answers with the label it sold (the simulated carrier does; for a carrier that would sell a second
one, the void of the orphan is the carrier's reference search, not done by Kaeru yet)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from wms.carriers import model
from wms.carriers.boundary import Address, CarrierError, CarrierGateway, Label, Parcel, Shipment
from wms.carriers.model import LabelStatus, NoService, Rate
from wms.carriers.tables import CarrierLabel, CarrierManifest
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import packing, shipping
from wms.fulfilment.model import ShipmentStatus
from wms.fulfilment.tables import Carton, Order
from wms.fulfilment.tables import Shipment as ShipmentRow
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse

log = logging.getLogger(__name__)
RETRY_BATCH = 20
POLL_BATCH = 50


def gateway_of(kaeru: Kaeru) -> CarrierGateway:
    """The process's carrier gateway (karrio), made on first use."""
    gateway = kaeru.extras.get("carriers")
    if gateway is None:
        from wms.carriers.karrio_gateway import KarrioGateway

        gateway = kaeru.extras["carriers"] = KarrioGateway(kaeru.settings)
    return gateway  # type: ignore[no-any-return]


def address_of(fields: dict[str, Any], *, name: str = "") -> Address:
    """A carrier address from Kaeru's address dicts (orders' ship_to, warehouses' address)."""
    return Address(
        name=str(fields.get("name") or name),
        line1=str(fields.get("street") or fields.get("line1") or ""),
        line2=str(fields.get("street2") or ""),
        city=str(fields.get("city") or ""),
        state=str(fields.get("region") or fields.get("state") or ""),
        postal_code=str(fields.get("postal_code") or ""),
        country=str(fields.get("country") or "US").upper(),
        phone=str(fields.get("phone") or ""),
        email=str(fields.get("email") or ""),
    )


def _request(session: Session, label: CarrierLabel) -> tuple[Shipment, Order]:
    order = session.get(Order, label.order_id)
    carton = session.get(Carton, label.carton_id)
    warehouse = session.get(Warehouse, label.warehouse_id)
    if order is None or carton is None or warehouse is None:
        raise NotFound(f"label {label.idempotency_key} has no carton or order")
    shipment = Shipment(
        carrier=label.carrier,
        shipper=address_of(warehouse.address, name=warehouse.name),
        recipient=address_of(order.ship_to),
        parcel=Parcel(weight_g=carton.weight_g or carton.expected_weight_g or 100),
        reference=label.idempotency_key,
        service=label.service,
    )
    return shipment, order


def _pinned(order: Order) -> str:
    """The service an order pins: a carrier service name (`ups_2nd_day_air`), not a level (`GROUND`)."""
    prefix = order.carrier.lower() + "_"
    return order.service if order.service.startswith(prefix) else ""


def settle(
    kaeru: Kaeru, label_id: int, *, principal: Principal | None = None, gateway: CarrierGateway | None = None
) -> CarrierLabel:
    """Buy a pending label: rate, choose, buy, record. Anything but pending is returned as it is."""
    gateway = gateway or gateway_of(kaeru)
    with kaeru.db.read() as session:
        label = session.get(CarrierLabel, label_id)
        if label is None:
            raise NotFound(f"no carrier label {label_id}")
        if label.status != LabelStatus.PENDING:
            return label
        request, order = _request(session, label)
    try:
        rate = _choose(gateway, request, order)
        bought = gateway.buy_label(replace(request, service=rate.service))
    except (CarrierError, NoService) as failure:
        error = failure if isinstance(failure, CarrierError) else _refusal(request.carrier, failure)
        return kaeru.db.write(lambda s: _failed(s, label_id, error, kaeru.settings.carrier_retry_cap_s))
    return kaeru.db.write(lambda s: _bought(s, principal, label_id, bought, rate))


def _refusal(carrier: str, refusal: Exception) -> CarrierError:
    return CarrierError("refused", str(refusal), carrier=carrier)


def _choose(gateway: CarrierGateway, request: Shipment, order: Order) -> Rate:
    if request.service:  # chosen on an earlier try: the same service again
        return Rate(request.carrier, request.service, Decimal(0), "")
    rates = gateway.rate(request)
    return model.choose_service(rates, promised=order.promised_date, pinned=_pinned(order))


def _locked(session: Session, label_id: int) -> CarrierLabel:
    label = session.exec(select(CarrierLabel).where(CarrierLabel.id == label_id).with_for_update()).one()
    return label


def _failed(session: Session, label_id: int, error: CarrierError, cap_s: float) -> CarrierLabel:
    label = _locked(session, label_id)
    if label.status != LabelStatus.PENDING:
        return label
    label.attempts += 1
    label.last_error = error.message[:500]
    if error.retryable:
        delay = model.retry_delay_s(label.attempts, cap_s=cap_s)
        label.next_try_at = utcnow() + timedelta(seconds=delay)
    else:  # the carrier's refusal (an address to fix): waits for the packer, not for a timer
        label.status = LabelStatus.REFUSED
        label.next_try_at = None
    log.info("label %s not bought (%s): %s", label.idempotency_key, error.kind, error.code or "-")
    session.add(label)
    return label


def _bought(
    session: Session, principal: Principal | None, label_id: int, bought: Label, rate: Rate
) -> CarrierLabel:
    label = _locked(session, label_id)
    if label.status != LabelStatus.PENDING:  # another try recorded it first
        return label
    label.status = LabelStatus.BOUGHT
    label.service = rate.service
    label.tracking_number = bought.tracking_number
    label.label_format, label.label = bought.label_format, bought.label
    label.amount = bought.amount or (str(rate.amount) if rate.amount else "")
    label.currency = bought.currency or rate.currency
    label.attempts += 1
    label.last_error, label.next_try_at, label.bought_at = "", None, utcnow()
    session.add(label)
    if label.kind == "outbound":
        carton = session.get(Carton, label.carton_id)
        order = session.get(Order, label.order_id)
        if carton is None or order is None:
            raise NotFound(f"label {label.idempotency_key} has no carton or order")
        packing.label_carton(
            session,
            principal=principal,
            carton=carton,
            order=order,
            carrier=label.carrier,
            service=label.service,
            tracking_number=bought.tracking_number,
            printer_url=label.printer_url or None,
            label_format=label.label_format,
            label=label.label,
        )
    session.flush()
    return label


def label_of_carton(session: Session, carton: Carton) -> CarrierLabel | None:
    return session.exec(
        select(CarrierLabel)
        .where(CarrierLabel.carton_id == carton.id, CarrierLabel.kind == "outbound")
        .order_by(col(CarrierLabel.id).desc())
    ).first()


def retry(kaeru: Kaeru, *, principal: Principal, carton_id: int) -> CarrierLabel:
    """The packer asks again (an address fixed, a carrier back): a refused label is pending again."""

    def reopen(session: Session) -> CarrierLabel:
        carton = session.get(Carton, carton_id)
        label = label_of_carton(session, carton) if carton else None
        if label is None:
            raise NotFound("this carton has no label to ask for")
        if label.status == LabelStatus.REFUSED:
            label.status, label.next_try_at, label.service = LabelStatus.PENDING, utcnow(), ""
            session.add(label)
        return label

    label = kaeru.db.write(reopen)
    return settle(kaeru, label.id or 0, principal=principal)


def retry_due(kaeru: Kaeru, *, limit: int = RETRY_BATCH) -> int:
    """Try the pending labels whose backoff has run out (a bounded batch); how many were bought."""
    with kaeru.db.read() as session:
        due = session.exec(
            select(CarrierLabel.id)
            .where(CarrierLabel.status == LabelStatus.PENDING, col(CarrierLabel.next_try_at) <= utcnow())
            .order_by(col(CarrierLabel.next_try_at))
            .limit(limit)
        ).all()
    return sum(settle(kaeru, label_id or 0).status == LabelStatus.BOUGHT for label_id in due)


def void(kaeru: Kaeru, *, principal: Principal, tracking_number: str) -> CarrierLabel:
    """Cancel a bought label the carrier has not yet picked up; the carton's shipment goes with it."""
    with kaeru.db.read() as session:
        label = session.exec(
            select(CarrierLabel).where(CarrierLabel.tracking_number == tracking_number)
        ).first()
        if label is None or not principal.sees_warehouse(label.warehouse_id):
            raise NotFound(f"no label with tracking number {tracking_number!r}")
        shipment = session.exec(
            select(ShipmentRow).where(ShipmentRow.tracking_number == tracking_number)
        ).first()
        if label.status != LabelStatus.BOUGHT:
            raise Conflict(f"label {tracking_number} is {label.status}")
        if shipment is not None and shipment.status != ShipmentStatus.LABEL_CREATED:
            raise Conflict(f"shipment {tracking_number} is {shipment.status}: it is with the carrier already")
        carrier = label.carrier
    try:
        gateway_of(kaeru).void(carrier, tracking_number)
    except CarrierError as error:
        raise Conflict(f"the carrier did not void the label: {error.message}") from None

    def record(session: Session) -> CarrierLabel:
        row = _locked(session, label.id or 0)
        row.status = LabelStatus.VOIDED
        session.add(row)
        found = session.exec(
            select(ShipmentRow).where(ShipmentRow.tracking_number == tracking_number)
        ).first()
        if found is not None:
            session.delete(found)
        return row

    return kaeru.db.write(record)


def poll_tracking(kaeru: Kaeru, *, principal: Principal | None = None, limit: int = POLL_BATCH) -> int:
    """Ask the carriers about shipments on their way (a bounded batch, oldest first); the events they
    report become Kaeru tracking events. How many events were new."""
    with kaeru.db.read() as session:
        rows = session.exec(
            select(ShipmentRow.carrier, ShipmentRow.tracking_number)
            .where(col(ShipmentRow.status).in_(("shipped", "in_transit", "out_for_delivery", "exception")))
            .order_by(col(ShipmentRow.id))
            .limit(limit)
        ).all()
    by_carrier: dict[str, list[str]] = {}
    for carrier, number in rows:
        by_carrier.setdefault(carrier, []).append(number)
    added = 0
    for carrier, numbers in by_carrier.items():
        try:
            updates = gateway_of(kaeru).track(carrier, numbers)
        except CarrierError as error:
            log.info("tracking %s not fetched: %s", carrier, error.code or error.kind)
            continue
        for update in sorted(updates, key=lambda u: u.at):
            added += _record_update(kaeru, principal, update)
    return added


def _record_update(kaeru: Kaeru, principal: Principal | None, update: Any) -> int:
    event = shipping.CarrierEvent(
        update.tracking_number,
        update.kind,
        update.at,
        update.location,
        update.description,
        f"{update.code or update.kind}:{update.at.isoformat()}",
    )
    who = principal or SYSTEM
    try:
        result = kaeru.db.write(lambda s: shipping.track(s, who, event))
    except (Conflict, Invalid, NotFound) as refusal:
        log.info("tracking event for %s not recorded: %s", update.tracking_number, refusal)
        return 0
    return 0 if result.get("duplicate") else 1


SYSTEM = Principal(kind="user", role="admin", warehouse_id=None, name="carrier tracking")


def manifest(kaeru: Kaeru, *, principal: Principal, warehouse_id: int, carrier: str) -> CarrierManifest:
    """The end-of-day handover for one carrier and dock: the carrier's close-out where it has one
    (USPS's SCAN form), Kaeru's scan-to-manifest list otherwise (UPS), of every label bought and not
    yet manifested."""
    with kaeru.db.read() as session:
        warehouse = session.get(Warehouse, warehouse_id)
        if warehouse is None or not principal.sees_warehouse(warehouse_id):
            raise NotFound("no such warehouse")
        labels = session.exec(
            select(CarrierLabel).where(
                CarrierLabel.warehouse_id == warehouse_id,
                CarrierLabel.carrier == carrier,
                CarrierLabel.status == LabelStatus.BOUGHT,
                CarrierLabel.kind == "outbound",
                col(CarrierLabel.manifest_id).is_(None),
            )
        ).all()
        shipper = address_of(warehouse.address, name=warehouse.name)
    numbers = [label.tracking_number for label in labels if label.tracking_number]
    if not numbers:
        raise Conflict(f"no {carrier} labels wait for a manifest")
    try:
        result = gateway_of(kaeru).manifest(carrier, shipper, numbers)
    except CarrierError as error:
        raise Conflict(f"the carrier refused the manifest: {error.message}") from None

    def record(session: Session) -> CarrierManifest:
        row = CarrierManifest(
            warehouse_id=warehouse_id,
            carrier=carrier,
            identifier=result.identifier,
            parcels=len(numbers),
            document=result.document,
        )
        session.add(row)
        session.flush()
        for label in labels:
            fresh = session.get(CarrierLabel, label.id)
            if fresh is not None and fresh.manifest_id is None:
                fresh.manifest_id = row.id
                session.add(fresh)
        return row

    return kaeru.db.write(record)


def unmanifested(session: Session, *, warehouse_id: int, limit: int = 200) -> list[CarrierLabel]:
    """Labels bought and not yet on a manifest (the handover screen's list), oldest first."""
    return list(
        session.exec(
            select(CarrierLabel)
            .where(
                CarrierLabel.warehouse_id == warehouse_id,
                CarrierLabel.status == LabelStatus.BOUGHT,
                CarrierLabel.kind == "outbound",
                col(CarrierLabel.manifest_id).is_(None),
            )
            .order_by(col(CarrierLabel.id))
            .limit(limit)
        ).all()
    )
