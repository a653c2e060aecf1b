"""The warehouse's shared fraud signal: "this shopper's returns were held at other merchants of this
warehouse", for merchants that opt in (`shared_fraud_signal` in config/merchants/), computed from keyed
fingerprints so that it reveals no other merchant's orders, returns, shoppers or identity: only how
many other merchants held a return of someone with the same e-mail or address."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.fulfilment.tables import Order, Shopper
from wms.merchants.directory import directory_of
from wms.returns.fingerprints import fingerprints
from wms.returns.tables import ReturnAuthorisation, SharedFraudSignal


def _shares(kaeru: Kaeru, merchant_id: int) -> bool:
    return directory_of(kaeru).by_id(merchant_id).spec.shared_fraud_signal


def _prints(session: Session, kaeru: Kaeru, rma: ReturnAuthorisation) -> list[tuple[str, str]]:
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    order = session.get(Order, rma.order_id) if rma.order_id else None
    if shopper is None:
        return []
    return fingerprints(kaeru.settings.secret_key, shopper.email, order.ship_to if order else {})


def record_held(session: Session, kaeru: Kaeru, rma: ReturnAuthorisation) -> None:
    """A return of an opted-in merchant was held: keep its shopper's fingerprints for the others."""
    if not _shares(kaeru, rma.merchant_id):
        return
    for kind, fingerprint in _prints(session, kaeru, rma):
        session.add(
            SharedFraudSignal(
                warehouse_id=rma.warehouse_id, merchant_id=rma.merchant_id, kind=kind, fingerprint=fingerprint
            )
        )


def held_at_other_merchants(session: Session, kaeru: Kaeru, rma: ReturnAuthorisation) -> int:
    """How many other opted-in merchants of this warehouse held a return of this shopper (0 when the
    return's merchant does not take part: a merchant that shares nothing learns nothing)."""
    if not _shares(kaeru, rma.merchant_id):
        return 0
    prints = [fingerprint for _, fingerprint in _prints(session, kaeru, rma)]
    if not prints:
        return 0
    count = session.exec(
        select(func.count(func.distinct(SharedFraudSignal.merchant_id))).where(
            SharedFraudSignal.warehouse_id == rma.warehouse_id,
            col(SharedFraudSignal.fingerprint).in_(prints),
            SharedFraudSignal.merchant_id != rma.merchant_id,
        )
    ).one()
    return int(count or 0)
