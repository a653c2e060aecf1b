"""Print jobs as the floor sees them: what became of the labels of an order or a graded unit, in the
printer's own words, and a reprint.

A job's state is its outbox row's (wms/notify/printing.py): queued, printing, printed, failed. A
queued job whose printer is out of paper or unreachable is shown "waiting" with the printer's
reason, so a screen never says "printed" for a label still in the queue.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from wms.errors import Conflict, Invalid, NotFound, Text
from wms.identity.model import DeviceState, Principal
from wms.identity.tables import Device
from wms.notify.model import MessageState
from wms.notify.printing import CHANNEL, JOB_STATE
from wms.platform.outbox import enqueue
from wms.platform.tables import OutboxMessage
from wms.scoping import sees, visible

# What a label is found by: an order's shipping and return labels, a graded unit's tag.
KEYS = ("order", "lpn", "sscc")
FAULTY = {DeviceState.FAULT.value, DeviceState.DISCONNECTED.value}
REPRINTABLE = {MessageState.DELIVERED.value, MessageState.DEAD.value}


def _printers(session: Session, urls: set[str]) -> dict[str, Device]:
    if not urls:
        return {}
    devices = session.exec(select(Device).where(col(Device.url).in_(sorted(urls)))).all()
    return {d.url: d for d in devices}


def job_view(message: OutboxMessage, printer: Device | None) -> dict[str, Any]:
    payload = message.payload or {}
    state: str = JOB_STATE.get(MessageState(message.state), "failed") if message.state else "failed"
    reason = message.last_error
    if state == "queued" and printer is not None and printer.state in FAULTY:
        state, reason = "waiting", printer.state_detail or f"the printer is {printer.state}"
    return {
        "id": message.message_id,
        "label": str(payload.get("label", "")),
        "printer": printer.code if printer is not None else str(payload.get("printer") or ""),
        "state": state,
        "reason": reason,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "reprint_of": payload.get("reprint_of"),
    }


def jobs_for(session: Session, principal: Principal, *, key: str, value: str) -> list[dict[str, Any]]:
    """The print jobs of one order (`order`), carton (`sscc`) or graded unit (`lpn`), oldest first."""
    if key not in KEYS:
        raise Invalid("print jobs are found by one of {names}", names=", ".join(KEYS))
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == CHANNEL, OutboxMessage.payload[key].as_string() == value)  # type: ignore[index]
        .order_by(col(OutboxMessage.id))
    ).all()
    seen = [m for m in rows if m.warehouse_id is not None and sees(principal, m.warehouse_id, m.merchant_id)]
    printers = _printers(session, {str((m.payload or {}).get("printer") or "") for m in seen})
    return [job_view(m, printers.get(str((m.payload or {}).get("printer") or ""))) for m in seen]


def _printer_named(session: Session, principal: Principal, code: str, warehouse_id: int) -> Device:
    device = session.exec(select(Device).where(Device.code == code, Device.kind == "printer")).first()
    device = visible(device, principal, Text("no printer {code}", code=code))
    if device.warehouse_id != warehouse_id or not device.url:
        raise Invalid("printer {code} cannot print this warehouse's labels", code=code)
    return device


def reprint(session: Session, principal: Principal, job_id: str, *, printer: str | None) -> dict[str, Any]:
    """A new job for the same label (to the same printer, or another printer of the warehouse named by
    its device code), once the first has printed or failed; a job still queued is not doubled."""
    found = session.exec(
        select(OutboxMessage).where(OutboxMessage.message_id == job_id, OutboxMessage.channel == CHANNEL)
    ).first()
    if (
        found is None
        or found.warehouse_id is None
        or not sees(principal, found.warehouse_id, found.merchant_id)
    ):
        raise NotFound("no print job {job_id}", job_id=job_id)
    message = found
    to = _printer_named(session, principal, printer, message.warehouse_id or 0).url if printer else None
    if message.state not in REPRINTABLE:
        raise Conflict(
            "this label is still in the printer's queue: it prints when the printer is ready",
            job=job_id,
            state=message.state,
        )
    payload = dict(message.payload or {}) | {"reprint_of": job_id}
    if to:
        payload["printer"] = to
    new_id = enqueue(
        session,
        channel=CHANNEL,
        topic=message.topic,
        payload=payload,
        warehouse_id=message.warehouse_id,
        merchant_id=message.merchant_id,
    )
    session.flush()
    copy = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == new_id)).one()
    url = str(payload.get("printer") or "")
    return job_view(copy, _printers(session, {url}).get(url))
