"""`inventory.service.move_stock` (the old keyword call, kept while returns moves over) writes the
same ledger row and quants as `ledger.move` with a Movement and an Actor."""

from __future__ import annotations

from sqlmodel import Session, select

from wms.context import Kaeru
from wms.inventory.catalogue import location_by_code
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.service import move_stock
from wms.inventory.tables import Item, LedgerEntry, Quant, Warehouse

ROW = ("from_location_id", "to_location_id", "lot", "serial", "from_condition", "to_condition", "quantity")
WHY = ("reason", "note", "ref_type", "ref_id", "user_id", "device_id", "idempotency_key")


def test_the_old_keyword_call_and_a_movement_write_the_same_ledger_row(kaeru: Kaeru) -> None:
    def work(session: Session) -> tuple[LedgerEntry, LedgerEntry, list[tuple[int, int]]]:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        item = Item(sku="ADAPT", name="Adapter")
        session.add(item)
        session.flush()
        bin_ = location_by_code(session, warehouse.id or 0, "A-01-1")
        old = move_stock(
            session,
            principal=None,
            warehouse_id=warehouse.id or 0,
            item=item,
            quantity=3,
            from_location_id=None,
            to_location_id=bin_.id,
            reason="receive",
            to_condition="open_box",
            ref_type="test",
            ref_id="1",
            note="the old way",
            idempotency_key="k-1",
        )
        movement = Movement(
            warehouse_id=warehouse.id or 0,
            item=item,
            quantity=3,
            from_location_id=None,
            to_location_id=bin_.id,
            reason="receive",
            to_condition="open_box",
            reference=Reference("test", "1", "the old way"),
        )
        new = move(session, movement, Actor(None, "k-1"))
        quants = session.exec(select(Quant).where(Quant.item_id == item.id)).all()
        return old, new, [(q.quantity, q.reserved) for q in quants]

    old, new, quants = kaeru.db.write(work)
    assert [getattr(old, f) for f in ROW + WHY] == [getattr(new, f) for f in ROW + WHY]
    assert old.to_condition == "open_box"
    assert quants == [(6, 0)]
