"""Asking for a carton's label inside the closing transaction: a pending label row, bought afterwards
(wms/carriers/labels.py) so that no carrier call ever runs inside a database transaction."""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from wms.carriers.model import LabelStatus
from wms.carriers.tables import CarrierLabel
from wms.db import utcnow
from wms.fulfilment.tables import Carton, Order


def outbound_key(carton: Carton) -> str:
    """The reference a carton's label is bought under, kept on the label row so that every retry
    sends the same one (one label only). The SSCC names the carton; the random part keeps the key
    unique at the carrier even where a database restored from a backup hands out an SSCC again."""
    return f"{carton.sscc}-{secrets.token_hex(4)}"


def request_label(session: Session, carton: Carton, order: Order, *, printer_url: str | None) -> CarrierLabel:
    """The carton's label, pending until the carrier sells it (the existing one if it was asked for)."""
    label = session.exec(
        select(CarrierLabel).where(CarrierLabel.carton_id == carton.id, CarrierLabel.kind == "outbound")
    ).first()
    if label is not None:
        return label
    key = outbound_key(carton)
    label = CarrierLabel(
        idempotency_key=key,
        kind="outbound",
        warehouse_id=order.warehouse_id,
        carton_id=carton.id,
        order_id=order.id,
        carrier=order.carrier,
        status=LabelStatus.PENDING,
        next_try_at=utcnow(),
        printer_url=printer_url or "",
    )
    session.add(label)
    session.flush()
    return label
