"""A database from before merchants, filled under the old schema, upgraded: everything in it becomes
the one default merchant's, nothing is lost, and the configured default merchant takes it over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, MetaData, Numeric, Table, func, select
from sqlalchemy.engine import Connection

from kaeru_config.settings import ROOT
from kaeru_config.site import load_site
from wms.db import Database
from wms.migrations.runner import alembic_config, upgrade
from wms.site import apply_site

OWNED = (
    "item",
    "quant",
    "ledgerentry",
    "shopper",
    "sales_order",
    "return_authorisation",
    "purchaseorder",
)
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _value(column: Any) -> Any:
    """Something the column accepts, for NOT NULL columns the row does not name."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer | Numeric | Float):
        return 0
    if isinstance(kind, DateTime):
        return NOW
    if isinstance(kind, JSON):
        return {}
    return ""


def _insert(connection: Connection, tables: MetaData, table_name: str, **given: Any) -> int:
    table: Table = tables.tables[table_name]
    row = {
        c.name: _value(c)
        for c in table.columns
        if not c.nullable and c.name != "id" and c.server_default is None and c.name not in given
    }
    result = connection.execute(table.insert().values(**row, **given))
    return int(result.inserted_primary_key[0])


def _fill(url: str) -> dict[str, int]:
    """A warehouse with stock, a shopper, an order and a return, written under the 0006 schema."""
    db = Database(url)
    try:
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.begin() as c:
            warehouse = _insert(c, tables, "warehouse", code="W1", name="Main", address={})
            location = _insert(c, tables, "location", warehouse_id=warehouse, code="A-01-1", kind="storage")
            item = _insert(c, tables, "item", sku="TEE", name="Tee", gtin="09506000134352")
            _insert(c, tables, "quant", item_id=item, location_id=location, quantity=4)
            _insert(
                c,
                tables,
                "ledgerentry",
                warehouse_id=warehouse,
                item_id=item,
                to_location_id=location,
                quantity=4,
                reason="receive",
                at=NOW,
            )
            shopper = _insert(c, tables, "shopper", email="kim@example.com")
            order = _insert(
                c,
                tables,
                "sales_order",
                warehouse_id=warehouse,
                number="O-1",
                shopper_id=shopper,
                ship_to={},
                tracking_token="t-1",
            )
            _insert(
                c,
                tables,
                "return_authorisation",
                warehouse_id=warehouse,
                number="R1",
                token="r-1",
                order_id=order,
                shopper_id=shopper,
                hold_signals=[],
            )
            _insert(c, tables, "purchaseorder", warehouse_id=warehouse, number="PO-1")
        with db.engine.connect() as c:
            return {
                name: c.execute(select(func.count()).select_from(tables.tables[name])).scalar_one()
                for name in OWNED
            }
    finally:
        db.dispose()


def _owners(url: str) -> dict[str, set[Any]]:
    db = Database(url)
    try:
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.connect() as c:
            return {
                name: set(c.execute(select(tables.tables[name].c.merchant_id)).scalars()) for name in OWNED
            }
    finally:
        db.dispose()


def test_a_single_brand_database_moves_into_one_default_merchant(empty_database: str) -> None:
    upgrade(empty_database, "0006")
    counts = _fill(empty_database)
    upgrade(empty_database)
    db = Database(empty_database)
    try:
        with db.engine.connect() as c:
            merchants = c.execute(select(_merchant(db))).all()
        assert [(m.code, m.is_default) for m in merchants] == [("MAIN", True)]
        main = merchants[0].id
        assert _owners(empty_database) == {name: {main} for name in OWNED}
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.connect() as c:
            after = {
                name: c.execute(select(func.count()).select_from(tables.tables[name])).scalar_one()
                for name in OWNED
            }
        assert after == counts  # nothing lost

        db.write(lambda session: apply_site(session, load_site(ROOT / "config")))
        with db.engine.connect() as c:
            rows = {m.code: m for m in c.execute(select(_merchant(db))).all()}
        assert rows["KAERU"].id == main
        assert rows["KAERU"].is_default  # the configured default took it over
        assert "MAIN" not in rows
        assert "SAKURA" in rows
        assert _owners(empty_database) == {name: {main} for name in OWNED}

        command.downgrade(alembic_config(empty_database), "0006")  # only one merchant owns anything
        tables = MetaData()
        tables.reflect(db.engine)
        assert "merchant" not in tables.tables
        assert "merchant_id" not in tables.tables["item"].c
        with db.engine.connect() as c:
            back = {
                name: c.execute(select(func.count()).select_from(tables.tables[name])).scalar_one()
                for name in OWNED
            }
        assert back == counts
    finally:
        db.dispose()


def _merchant(db: Database) -> Table:
    tables = MetaData()
    tables.reflect(db.engine, only=["merchant"])
    return tables.tables["merchant"]
