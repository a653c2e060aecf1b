"""Catalogue, locations, stock, receiving, moves, counts and the ledger over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Conflict, NotFound
from wms.http import mutate
from wms.identity.model import Principal
from wms.inventory import service
from wms.inventory.tables import Item, LedgerEntry, Location, PurchaseOrder, PurchaseOrderLine, Quant

router = APIRouter(prefix="/api/v1", tags=["inventory"])
Reader = Annotated[Principal, Depends(require("inventory.read"))]
CatalogueReader = Annotated[Principal, Depends(require("catalogue.read"))]
CatalogueWriter = Annotated[Principal, Depends(require("catalogue.write"))]
Receiver = Annotated[Principal, Depends(require("inventory.receive"))]
Mover = Annotated[Principal, Depends(require("inventory.move"))]
Adjuster = Annotated[Principal, Depends(require("inventory.adjust"))]


class ItemIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    gtin: str | None = Field(default=None, pattern=r"^\d{8,14}$")
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(default="general", max_length=32)
    tracking: str = Field(default="none", pattern="^(none|lot|serial)$")
    weight_g: int = Field(default=0, ge=0)
    length_mm: int = Field(default=0, ge=0)
    width_mm: int = Field(default=0, ge=0)
    height_mm: int = Field(default=0, ge=0)
    price_minor: int = Field(default=0, ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    final_sale: bool = False
    variant_group: str | None = None
    variant_label: str = ""
    open_box_sku: str | None = None
    consumable_days: int | None = Field(default=None, gt=0)


@router.post("/items", status_code=201, summary="Add an item to the catalogue")
def create_item(body: ItemIn, kaeru: KaeruDep, principal: CatalogueWriter) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        if session.exec(select(Item).where(Item.sku == body.sku)).first():
            raise Conflict(f"SKU {body.sku} already exists")
        gtin = body.gtin.zfill(14) if body.gtin else None
        if gtin and session.exec(select(Item).where(Item.gtin == gtin)).first():
            raise Conflict(f"GTIN {gtin} already belongs to another item")
        item = Item(**body.model_dump(exclude={"gtin"}), gtin=gtin)
        session.add(item)
        session.flush()
        return item.model_dump()

    return kaeru.db.write(work)


@router.get("/items", summary="Search the catalogue by SKU, GTIN or name")
def list_items(
    kaeru: KaeruDep, principal: CatalogueReader, q: str = "", limit: int = Query(default=50, ge=1, le=500)
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(Item).order_by(col(Item.sku)).limit(limit)
        if q:
            like = f"%{q}%"
            statement = statement.where(
                col(Item.sku).ilike(like) | col(Item.name).ilike(like) | (Item.gtin == q.zfill(14))
            )
        return [i.model_dump() for i in session.exec(statement)]


@router.get("/items/{sku}", summary="One item with its stock in the caller's warehouse")
def get_item(sku: str, kaeru: KaeruDep, principal: Reader) -> dict[str, Any]:
    with kaeru.db.read() as session:
        item = service.item_by_sku(session, sku)
        statement = (
            select(Quant, Location)
            .join(Location, col(Location.id) == col(Quant.location_id))
            .where(Quant.item_id == item.id, Quant.quantity > 0)
        )
        if principal.warehouse_id is not None:
            statement = statement.where(Location.warehouse_id == principal.warehouse_id)
        stock = [
            {
                "location": loc.code,
                "quantity": q.quantity,
                "reserved": q.reserved,
                "serial": q.serial,
                "lot": q.lot,
                "condition": q.condition,
            }
            for q, loc in session.exec(statement)
        ]
        return {**item.model_dump(), "stock": stock}


@router.get("/warehouses/{code}/locations", summary="A warehouse's locations in walking order")
def list_locations(
    code: str, kaeru: KaeruDep, principal: Reader, kind: str | None = None
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        warehouse = service.warehouse_by_code(session, principal, code)
        statement = (
            select(Location).where(Location.warehouse_id == warehouse.id).order_by(col(Location.path_seq))
        )
        if kind:
            statement = statement.where(Location.kind == kind)
        return [loc.model_dump(exclude={"warehouse_id"}) for loc in session.exec(statement)]


@router.get("/warehouses/{code}/stock", summary="Stock by item and location")
def stock(
    code: str, kaeru: KaeruDep, principal: Reader, sku: str | None = None, location: str | None = None
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        warehouse = service.warehouse_by_code(session, principal, code)
        statement = (
            select(Quant, Item, Location)
            .join(Item, col(Item.id) == col(Quant.item_id))
            .join(Location, col(Location.id) == col(Quant.location_id))
            .where(Location.warehouse_id == warehouse.id, Quant.quantity > 0)
            .order_by(col(Location.path_seq), col(Item.sku))
        )
        if sku:
            statement = statement.where(Item.sku == sku)
        if location:
            statement = statement.where(Location.code == location)
        return [
            {
                "sku": i.sku,
                "location": loc.code,
                "quantity": q.quantity,
                "reserved": q.reserved,
                "serial": q.serial,
                "lot": q.lot,
                "condition": q.condition,
            }
            for q, i, loc in session.exec(statement)
        ]


class ReceiveIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0, le=100_000)
    location: str
    lot: str = ""
    serials: list[str] = Field(default_factory=list, max_length=10_000)
    purchase_order: str | None = None


@router.post("/warehouses/{code}/receipts", summary="Receive stock (against a purchase order / ASN if given)")
def receive(
    code: str, body: ReceiveIn, kaeru: KaeruDep, principal: Receiver, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = service.warehouse_by_code(session, principal, code)
        item = service.item_by_sku(session, body.sku)
        location = service.location_by_code(session, warehouse.id or 0, body.location)
        entries = service.receive(
            session,
            principal=principal,
            warehouse=warehouse,
            item=item,
            quantity=body.quantity,
            location=location,
            lot=body.lot,
            serials=body.serials,
            purchase_order=body.purchase_order,
            idempotency_key=key,
        )
        return {"received": body.quantity, "ledger": [e.id for e in entries]}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


class MoveIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0, le=100_000)
    from_location: str
    to_location: str
    lot: str = ""
    serial: str = ""
    condition: str = "new"


@router.post("/warehouses/{code}/moves", summary="Move stock between locations (put-away, replenishment)")
def move(code: str, body: MoveIn, kaeru: KaeruDep, principal: Mover, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = service.warehouse_by_code(session, principal, code)
        item = service.item_by_sku(session, body.sku)
        source = service.location_by_code(session, warehouse.id or 0, body.from_location)
        target = service.location_by_code(session, warehouse.id or 0, body.to_location)
        if source.id == target.id:
            raise Conflict("source and destination are the same location")
        entry = service.move_stock(
            session,
            principal=principal,
            warehouse_id=warehouse.id or 0,
            item=item,
            quantity=body.quantity,
            from_location_id=source.id,
            to_location_id=target.id,
            reason="putaway" if source.kind == "receiving" else "move",
            lot=body.lot,
            serial=body.serial,
            from_condition=body.condition,
            idempotency_key=key,
        )
        return {"ledger": entry.id}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


class CountIn(BaseModel):
    sku: str
    location: str
    counted: int = Field(ge=0, le=1_000_000)
    reason: str = Field(min_length=1, max_length=200)
    lot: str = ""
    serial: str = ""
    condition: str = "new"


@router.post("/warehouses/{code}/counts", summary="Cycle count: set a location's quantity, with a reason")
def count(code: str, body: CountIn, kaeru: KaeruDep, principal: Adjuster, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = service.warehouse_by_code(session, principal, code)
        item = service.item_by_sku(session, body.sku)
        location = service.location_by_code(session, warehouse.id or 0, body.location)
        entry = service.adjust(
            session,
            principal=principal,
            warehouse=warehouse,
            item=item,
            location=location,
            counted=body.counted,
            reason=body.reason,
            lot=body.lot,
            serial=body.serial,
            condition=body.condition,
        )
        return {"ledger": entry.id if entry else None, "changed": entry is not None}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


@router.get("/warehouses/{code}/ledger", summary="The stock ledger, newest first")
def ledger(
    code: str,
    kaeru: KaeruDep,
    principal: Reader,
    sku: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        warehouse = service.warehouse_by_code(session, principal, code)
        statement = (
            select(LedgerEntry)
            .where(LedgerEntry.warehouse_id == warehouse.id)
            .order_by(col(LedgerEntry.id).desc())
            .limit(limit)
        )
        if sku:
            statement = statement.where(LedgerEntry.item_id == service.item_by_sku(session, sku).id)
        return [e.model_dump(mode="json") for e in session.exec(statement)]


class POLineIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class POIn(BaseModel):
    number: str = Field(min_length=1, max_length=64)
    supplier: str = ""
    lines: list[POLineIn] = Field(min_length=1)


@router.post(
    "/warehouses/{code}/purchase-orders", status_code=201, summary="Announce an inbound purchase order"
)
def create_po(code: str, body: POIn, kaeru: KaeruDep, principal: Receiver) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        warehouse = service.warehouse_by_code(session, principal, code)
        if session.exec(
            select(PurchaseOrder).where(
                PurchaseOrder.warehouse_id == warehouse.id, PurchaseOrder.number == body.number
            )
        ).first():
            raise Conflict(f"purchase order {body.number} already exists")
        po = PurchaseOrder(warehouse_id=warehouse.id or 0, number=body.number, supplier=body.supplier)
        session.add(po)
        session.flush()
        for line in body.lines:
            item = service.item_by_sku(session, line.sku)
            session.add(
                PurchaseOrderLine(
                    purchase_order_id=po.id or 0, item_id=item.id or 0, quantity_expected=line.quantity
                )
            )
        return {"number": po.number, "lines": len(body.lines)}

    return kaeru.db.write(work)


@router.get("/warehouses/{code}/purchase-orders/{number}", summary="A purchase order and what has arrived")
def get_po(code: str, number: str, kaeru: KaeruDep, principal: Reader) -> dict[str, Any]:
    with kaeru.db.read() as session:
        warehouse = service.warehouse_by_code(session, principal, code)
        po = session.exec(
            select(PurchaseOrder).where(
                PurchaseOrder.warehouse_id == warehouse.id, PurchaseOrder.number == number
            )
        ).first()
        if po is None:
            raise NotFound(f"no purchase order {number}")
        rows = session.exec(
            select(PurchaseOrderLine, Item)
            .join(Item, col(Item.id) == col(PurchaseOrderLine.item_id))
            .where(PurchaseOrderLine.purchase_order_id == po.id)
        ).all()
        return {
            "number": po.number,
            "supplier": po.supplier,
            "status": po.status,
            "lines": [
                {"sku": i.sku, "expected": line.quantity_expected, "received": line.quantity_received}
                for line, i in rows
            ],
        }
