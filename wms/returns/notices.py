"""What the shopper and the brand are told about a return: the message context the relay's templates
read (wms/notify/topics.py), and the return label's print job."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from wms.fulfilment.tables import Order, Shopper
from wms.inventory.tables import Item, Warehouse
from wms.merchants.service import brand_facts
from wms.platform.effects import Effects
from wms.returns import queries
from wms.returns.tables import ReturnAuthorisation
from wms.returns.views import qr_payload, rma_code


def rma_context(session: Session, base_url: str, rma: ReturnAuthorisation) -> dict[str, Any]:
    """Everything a message about this return needs (the relay's templates read it)."""
    lines = []
    for line in queries.rma_lines(session, rma.id or 0):
        item = queries.item(session, line.item_id)
        exchange = session.get(Item, line.exchange_item_id) if line.exchange_item_id else None
        lines.append(
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": line.quantity,
                "reason": line.reason,
                "reason_text": line.reason_text,
                "outcome": line.outcome,
                "keep_it": line.keep_it,
                "exchange_sku": exchange.sku if exchange else None,
                "exchange_name": exchange.name if exchange else None,
                "unit_price_minor": line.unit_price_minor,
                "quoted_minor": line.quoted_minor,
            }
        )
    warehouse = session.get(Warehouse, rma.warehouse_id)
    order = session.get(Order, rma.order_id) if rma.order_id else None
    brand = brand_facts(session, rma.merchant_id)
    base = base_url.rstrip("/")
    context: dict[str, Any] = {
        "rma": {
            "number": rma.number,
            "code": rma_code(rma),
            "token": rma.token,
            "qr_payload": qr_payload(rma),
            "status": rma.status,
            "currency": rma.currency,
            "lines": lines,
            "return_by": rma.return_by.isoformat() if rma.return_by else None,
            "carrier": rma.return_carrier,
            "tracking_number": rma.return_tracking_number,
            "status_url": f"{base}/api/v1/shopper/returns/{rma.token}",
            "label_pdf_url": f"{base}/api/v1/shopper/returns/{rma.token}/label.pdf",
        },
        "return_to": _return_to(brand, warehouse),
        "brand": {"name": brand.get("name", ""), "support_email": brand.get("support_email", "")},
    }
    if order is not None:
        context["order"] = {
            "number": order.number,
            "currency": order.currency,
            "tracking_token": order.tracking_token,
        }
    return context


def notify(
    fx: Effects, rma: ReturnAuthorisation, base_url: str, topic: str, dedupe_key: str, **extra: Any
) -> None:
    """Queue the shopper's email and the brand's webhook about this return (nobody to tell: nothing)."""
    session = fx.session
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    if shopper is None:
        return  # an unexpected return from nobody we know: there is no one to tell
    context = {**rma_context(session, base_url, rma), **extra}
    fx.notify_shopper(
        topic,
        shopper,
        context | shopper_message(session, rma, context),
        warehouse_id=rma.warehouse_id,
        dedupe_key=dedupe_key,
    )


def shopper_message(session: Session, rma: ReturnAuthorisation, context: dict[str, Any]) -> dict[str, Any]:
    """The keys the shopper's templates read (wms/notify/topics.py), from a return's context.

    Fraud evidence never reaches the shopper: a rejection carries only the reviewer's note.
    """
    about = context["rma"]
    message: dict[str, Any] = {
        "return": {
            "number": about["code"],
            "order_number": (context.get("order") or {}).get("number"),
            "token": about["token"],
            "qr_payload": about["qr_payload"],
            "expires_on": about["return_by"],
            "currency": about["currency"],
            "status": about["status"],
            "lines": about["lines"],
            "label_pdf_url": about["label_pdf_url"],
        }
    }
    if "parcel" in context:
        message["return"]["received_at"] = context["parcel"].get("received_at")
    if "unit" in context:
        message["units"] = [_unit_message(context["unit"], about["lines"])]
    if "money" in context:
        message |= _money_message(rma, context["money"])
    if "exchange" in context:
        message |= _exchange_message(session, rma, context)
    if "decision" in context:
        message["reason"] = context["decision"].get("note") or None
        message["decision"] = {"note": context["decision"].get("note")}
    return message


def _unit_message(unit: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    outcome = next((line["outcome"] for line in lines if line["sku"] == unit["sku"]), None)
    return {
        "sku": unit["sku"],
        "name": unit["name"],
        "grade": unit["grade"],
        "findings": [],
        "outcome": "keep" if outcome == "keep_it" else outcome,
        "currency": unit.get("currency"),
    }


def _money_message(rma: ReturnAuthorisation, money: dict[str, Any]) -> dict[str, Any]:
    if money["kind"] == "refund":
        return {
            "refund": {
                "amount_minor": money["amount_minor"],
                "currency": money["currency"],
                "method": "original payment method",
            }
        }
    return {
        "credit": {
            "amount_minor": money["amount_minor"],
            "currency": money["currency"],
            "bonus_minor": money["breakdown"].get("bonus_minor", 0),
            "code": f"SC-{rma.number}-{money['id']}",
        }
    }


def _exchange_message(session: Session, rma: ReturnAuthorisation, context: dict[str, Any]) -> dict[str, Any]:
    exchange = context["exchange"]
    new_order = session.exec(
        select(Order).where(Order.warehouse_id == rma.warehouse_id, Order.number == exchange["order"])
    ).first()
    return {
        "order": {
            **(context.get("order") or {}),
            "number": exchange["order"],
            "tracking_token": new_order.tracking_token if new_order else None,
        },
        "shipment": exchange["shipment"],
    }


def _return_to(brand: dict[str, Any], warehouse: Warehouse | None) -> dict[str, Any]:
    """Where the shopper sends it back: the merchant's return address, else the warehouse's."""
    if brand.get("return_address"):
        return dict(brand["return_address"])
    return {"name": warehouse.name, **warehouse.address} if warehouse else {}


def return_label_job(
    session: Session, base_url: str, rma: ReturnAuthorisation, printer_url: str | None
) -> dict[str, Any]:
    """The print job's payload for a return label (labels/ renders it at the printer)."""
    context = rma_context(session, base_url, rma)
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    return {
        "label": "return_label",
        "printer": printer_url,
        "rma_number": rma_code(rma),
        "rma_token": rma.token,
        "qr_payload": qr_payload(rma),
        "order_number": context.get("order", {}).get("number", ""),
        "shopper_name": shopper.name if shopper else "",
        "carrier": rma.return_carrier,
        "tracking_number": rma.return_tracking_number,
        "return_by": context["rma"]["return_by"],
        "return_to": context["return_to"],
        "locale": shopper.locale if shopper else "en",
    }


def return_label_pdf(session: Session, base_url: str, rma: ReturnAuthorisation) -> bytes:
    """The return label as a PDF, in the shopper's language."""
    import labels  # the PDF renderer loads on the first label, not at start-up
    from labels.model import Address, ReturnLabelData

    context = rma_context(session, base_url, rma)
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    to = context["return_to"]
    address = Address(
        name=to.get("name", ""),
        lines=(to.get("street", ""),),
        city=to.get("city", ""),
        postal_code=to.get("postal_code", ""),
        country=to.get("country", "US"),
        region=to.get("region", ""),
    )
    data = ReturnLabelData(
        return_to=address,
        rma_number=rma.number,
        rma_token=rma.token,
        order_number=context.get("order", {}).get("number", ""),
        shopper_name=shopper.name if shopper else "",
        carrier=rma.return_carrier,
        return_by=rma.return_by,
    )
    return labels.render("return", data, "pdf", locale=shopper.locale if shopper else "en")
