"""Catalogue, locations, stock, receiving, moves, counts and the ledger over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Conflict
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Code, Id, Name, Sku, one_of
from wms.inventory import ledger as stock_ledger
from wms.inventory import queries, receiving
from wms.inventory.catalogue import create_item as add_item
from wms.inventory.catalogue import item_by_sku, location_by_code, warehouse_by_code
from wms.inventory.counting import Count, adjust, count_task, decide_count, open_count_task, record_count
from wms.inventory.ledger import Actor, Movement
from wms.inventory.model import CountTaskStatus, PurchaseOrderStatus
from wms.inventory.receiving import ExpectedLine, create_purchase_order
from wms.inventory.schemas import (
    CountDecisionIn,
    Counted,
    CountIn,
    CountTaskCount,
    CountTaskIn,
    CountTaskPublic,
    ItemCreate,
    ItemPublic,
    ItemWithStock,
    LedgerRow,
    LocationPublic,
    Moved,
    MoveIn,
    PlatePublic,
    POCloseIn,
    POCreated,
    POIn,
    POPublic,
    POSummary,
    PutAway,
    PutAwayIn,
    Received,
    ReceiveIn,
    StockRow,
)
from wms.inventory.tables import CountTask, Item, LicensePlate, Location, Warehouse
from wms.merchants.service import merchant_by_code, merchant_for
from wms.platform.paging import AFTER, AFTER_OLDEST, AFTER_ORDERED, announce_next, composite, read_composite

router = APIRouter(prefix="/api/v1", tags=["inventory"])
Reader = Annotated[Principal, Depends(require("inventory.read"))]
CatalogueReader = Annotated[Principal, Depends(require("catalogue.read"))]
CatalogueWriter = Annotated[Principal, Depends(require("catalogue.write"))]
Receiver = Annotated[Principal, Depends(require("inventory.receive"))]
Mover = Annotated[Principal, Depends(require("inventory.move"))]
Adjuster = Annotated[Principal, Depends(require("inventory.adjust"))]


@router.post(
    "/items", status_code=201, summary="Add an item to a merchant's catalogue", response_model=ItemPublic
)
def create_item(body: ItemCreate, kaeru: KaeruDep, principal: CatalogueWriter) -> Any:
    def work(session: Session) -> dict[str, Any]:
        merchant = merchant_for(session, principal, body.merchant)
        item = add_item(session, {**body.model_dump(exclude={"merchant"}), "merchant_id": merchant.id})
        return {**item.model_dump(), "merchant": merchant.code}

    return kaeru.db.write(work)


@router.get(
    "/items",
    summary="Search the catalogue by SKU, GTIN or name (by SKU; keyset pages)",
    response_model=list[ItemPublic],
)
def list_items(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: CatalogueReader,
    q: Name = "",
    merchant: Code | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER_OLDEST),
) -> Any:
    with kaeru.db.read() as session:
        merchant_id = merchant_by_code(session, principal, merchant).id if merchant else None
        page = queries.items(session, principal, q=q, merchant_id=merchant_id, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


def _sku(session: Session, principal: Principal, sku: str, merchant: str | None) -> Item:
    """The item a request names by SKU (and merchant, where several sell that code)."""
    merchant_id = merchant_by_code(session, principal, merchant).id if merchant else None
    return item_by_sku(session, sku, merchant_id=merchant_id, principal=principal)


@router.get(
    "/items/{sku}", summary="One item with its stock in the caller's warehouse", response_model=ItemWithStock
)
def get_item(sku: Sku, kaeru: KaeruDep, principal: Reader, merchant: Code | None = None) -> Any:
    with kaeru.db.read() as session:
        return queries.item_with_stock(session, principal, _sku(session, principal, sku, merchant))


@router.get(
    "/warehouses/{code}/locations",
    summary="A warehouse's locations in walking order (keyset pages)",
    response_model=list[LocationPublic],
)
def list_locations(
    code: Code,
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reader,
    kind: Code | None = None,
    limit: int = Query(default=500, ge=1, le=1000),
    after: Code | None = Query(default=None, description=AFTER_ORDERED),
) -> Any:
    cursor = read_composite(after, 2)
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        page = queries.locations(session, warehouse, kind=kind, limit=limit, after=cursor)
    announce_next(request, response, page, limit, lambda row: composite(row["path_seq"], row["id"]))
    return page


@router.get(
    "/warehouses/{code}/stock",
    summary="Stock by item and location, in walking order (keyset pages)",
    response_model=list[StockRow],
)
def stock(
    code: Code,
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reader,
    sku: Sku | None = None,
    location: Code | None = None,
    merchant: Code | None = None,
    limit: int = Query(default=500, ge=1, le=1000),
    after: Code | None = Query(default=None, description=AFTER_ORDERED),
) -> Any:
    cursor = read_composite(after, 3)
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        merchant_id = merchant_by_code(session, principal, merchant).id if merchant else None
        page = queries.stock(
            session,
            principal,
            warehouse,
            sku=sku,
            location=location,
            merchant_id=merchant_id,
            limit=limit,
            after=cursor,
        )
    announce_next(request, response, page, limit, lambda row: row["cursor"])
    return page


@router.post(
    "/warehouses/{code}/receipts",
    summary="Receive stock (against a purchase order / ASN if given)",
    response_model=Received,
)
def receive(
    code: Code, body: ReceiveIn, kaeru: KaeruDep, principal: Receiver, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        merchant = body.merchant
        if body.purchase_order and not merchant:  # the purchase order says whose stock arrives
            merchant = receiving.owner_of(session, warehouse, body.purchase_order, principal)
        receipt = receiving.Receipt(
            item=_sku(session, principal, body.sku, merchant),
            quantity=body.quantity,
            location=location_by_code(session, warehouse.id or 0, body.location),
            lot=body.lot,
            serials=tuple(body.serials),
            purchase_order=body.purchase_order,
            expiry=body.expiry,
            reason=body.reason,
            plate=body.plate,
        )
        entries = receiving.receive(session, receipt, warehouse=warehouse, actor=Actor(principal, key))
        return {"received": body.quantity, "ledger": [e.id for e in entries]}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump(mode="json")}, work)


@router.post(
    "/warehouses/{code}/moves",
    summary="Move stock between locations (put-away, replenishment)",
    response_model=Moved,
)
def move(code: Code, body: MoveIn, kaeru: KaeruDep, principal: Mover, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        item = _sku(session, principal, body.sku, body.merchant)
        source = location_by_code(session, warehouse.id or 0, body.from_location)
        target = location_by_code(session, warehouse.id or 0, body.to_location)
        if source.id == target.id:
            raise Conflict("source and destination are the same location")
        movement = Movement(
            warehouse_id=warehouse.id or 0,
            item=item,
            quantity=body.quantity,
            from_location_id=source.id,
            to_location_id=target.id,
            reason="putaway" if source.kind == "receiving" else "move",
            lot=body.lot,
            serial=body.serial,
            from_condition=body.condition,
        )
        return {"ledger": stock_ledger.move(session, movement, Actor(principal, key)).id}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


@router.post(
    "/warehouses/{code}/counts",
    summary="Cycle count: set a location's quantity, with a reason",
    response_model=Counted,
)
def count(code: Code, body: CountIn, kaeru: KaeruDep, principal: Adjuster, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        counted = Count(
            item=_sku(session, principal, body.sku, body.merchant),
            location=location_by_code(session, warehouse.id or 0, body.location),
            counted=body.counted,
            reason=body.reason,
            lot=body.lot,
            serial=body.serial,
            condition=body.condition,
        )
        entry = adjust(session, counted, warehouse=warehouse, principal=principal)
        return {"ledger": entry.id if entry else None, "changed": entry is not None}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


@router.get(
    "/warehouses/{code}/ledger", summary="The stock ledger, newest first", response_model=list[LedgerRow]
)
def ledger(
    code: Code,
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reader,
    sku: Sku | None = None,
    merchant: Code | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    after: Id | None = Query(default=None, description=AFTER),
) -> Any:
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        item_id = _sku(session, principal, sku, merchant).id if sku else None
        page = queries.ledger(session, principal, warehouse, item_id=item_id, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


@router.post(
    "/warehouses/{code}/purchase-orders",
    status_code=201,
    summary="Announce an inbound purchase order",
    response_model=POCreated,
)
def create_po(code: Code, body: POIn, kaeru: KaeruDep, principal: Receiver) -> Any:
    def work(session: Session) -> dict[str, Any]:
        merchant = merchant_for(session, principal, body.merchant)
        po = create_purchase_order(
            session,
            warehouse=warehouse_by_code(session, principal, code),
            merchant_id=merchant.id or 0,
            number=body.number,
            supplier=body.supplier,
            lines=[ExpectedLine(line.sku, line.quantity) for line in body.lines],
        )
        return {"number": po.number, "lines": len(body.lines), "merchant": merchant.code}

    return kaeru.db.write(work)


@router.get(
    "/warehouses/{code}/purchase-orders/{number}",
    summary="A purchase order and what has arrived",
    response_model=POPublic,
)
def get_po(code: Code, number: Code, kaeru: KaeruDep, principal: Reader) -> Any:
    with kaeru.db.read() as session:
        return queries.purchase_order(session, principal, warehouse_by_code(session, principal, code), number)


@router.get(
    "/warehouses/{code}/purchase-orders",
    summary="A warehouse's purchase orders, newest first (keyset pages)",
    response_model=list[POSummary],
)
def list_pos(
    code: Code,
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reader,
    status: Annotated[Code, one_of(PurchaseOrderStatus, "a purchase order's status")] | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER),
) -> Any:
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        page = queries.purchase_orders(session, principal, warehouse, status=status, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


@router.post(
    "/warehouses/{code}/purchase-orders/{number}/close",
    summary="Close a purchase order (a reason when lines are short)",
    response_model=POPublic,
)
def close_po(
    code: Code,
    number: Code,
    body: POCloseIn,
    kaeru: KaeruDep,
    principal: Receiver,
    key: IdempotencyKey = None,
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        actor = Actor(principal, key)
        receiving.close_purchase_order(
            session, warehouse=warehouse, number=number, reason=body.reason, actor=actor
        )
        return queries.purchase_order(session, principal, warehouse, number)

    return mutate(kaeru, principal, key, {"warehouse": code, "number": number, **body.model_dump()}, work)


def _plate_answer(session: Session, warehouse: Warehouse, plate: LicensePlate) -> dict[str, Any]:
    suggested = receiving.suggest_location(session, warehouse, plate)
    return {
        **receiving.plate_view(session, plate),
        "suggested_location": suggested.code if suggested else None,
    }


@router.get(
    "/warehouses/{code}/plates/{plate}",
    summary="What a license plate carries, and where to put it away",
    response_model=PlatePublic,
)
def get_plate(code: Code, plate: Code, kaeru: KaeruDep, principal: Reader) -> Any:
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        return _plate_answer(session, warehouse, receiving.plate_by_code(session, warehouse, plate))


@router.post(
    "/warehouses/{code}/putaways",
    summary="Put a license plate away into a bin (everything on it, through the ledger)",
    response_model=PutAway,
)
def put_away(
    code: Code, body: PutAwayIn, kaeru: KaeruDep, principal: Mover, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        plate = receiving.plate_by_code(session, warehouse, body.plate)
        location = location_by_code(session, warehouse.id or 0, body.location)
        entries = receiving.put_away(
            session, warehouse=warehouse, plate=plate, location=location, actor=Actor(principal, key)
        )
        return {"plate": plate.code, "location": location.code, "ledger": [e.id for e in entries]}

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work)


def _task_answer(session: Session, task: CountTask) -> dict[str, Any]:
    item, location = session.get(Item, task.item_id), session.get(Location, task.location_id)
    if item is None or location is None:
        raise Conflict(f"count task {task.id} names an item or location that is gone")
    return queries.count_task_view(task, item, location)


@router.post(
    "/warehouses/{code}/count-tasks",
    status_code=201,
    summary="Ask for a blind cycle count of an item at a location",
    response_model=CountTaskPublic,
)
def create_count_task(
    code: Code, body: CountTaskIn, kaeru: KaeruDep, principal: Adjuster, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        task = open_count_task(
            session,
            warehouse=warehouse,
            item=_sku(session, principal, body.sku, None),
            location=location_by_code(session, warehouse.id or 0, body.location),
            lot=body.lot,
            tolerance=body.tolerance,
        )
        return _task_answer(session, task)

    return mutate(kaeru, principal, key, {"warehouse": code, **body.model_dump()}, work, status=201)


@router.get(
    "/warehouses/{code}/count-tasks",
    summary="Count tasks, oldest first (blind: no expected quantity until counted; keyset pages)",
    response_model=list[CountTaskPublic],
)
def list_count_tasks(
    code: Code,
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reader,
    status: Annotated[Code, one_of(CountTaskStatus, "a count task's status")] | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER_OLDEST),
) -> Any:
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, code)
        page = queries.count_tasks(session, warehouse, status=status, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


@router.post(
    "/warehouses/{code}/count-tasks/{task_id}/count",
    summary="Record a blind count (a variance beyond the tolerance waits for a manager)",
    response_model=CountTaskPublic,
)
def count_task_counted(
    code: Code,
    task_id: Id,
    body: CountTaskCount,
    kaeru: KaeruDep,
    principal: Mover,
    key: IdempotencyKey = None,
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        task = count_task(session, warehouse, task_id)
        record_count(session, warehouse=warehouse, task=task, counted=body.counted, principal=principal)
        return _task_answer(session, task)

    return mutate(kaeru, principal, key, {"warehouse": code, "task": task_id, **body.model_dump()}, work)


@router.post(
    "/warehouses/{code}/count-tasks/{task_id}/decision",
    summary="Approve a held count (written on the ledger) or reject it",
    response_model=CountTaskPublic,
)
def count_task_decided(
    code: Code,
    task_id: Id,
    body: CountDecisionIn,
    kaeru: KaeruDep,
    principal: Adjuster,
    key: IdempotencyKey = None,
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, code)
        task = count_task(session, warehouse, task_id)
        decide_count(
            session, warehouse=warehouse, task=task, approve=body.approve, note=body.note, principal=principal
        )
        return _task_answer(session, task)

    return mutate(kaeru, principal, key, {"warehouse": code, "task": task_id, **body.model_dump()}, work)
