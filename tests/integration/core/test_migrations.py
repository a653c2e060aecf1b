"""`kaeru db upgrade` builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Numeric, bindparam, inspect, text
from sqlmodel import SQLModel

import wms.tables  # noqa: F401 - the whole schema on the metadata
from wms.db import Database
from wms.migrations.runner import alembic_config, upgrade


def test_migrations_build_the_models_schema(empty_database: str) -> None:
    upgrade(empty_database)
    db = Database(empty_database)
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        db.dispose()


def _warehouse_w1(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO warehouse (id, code, name, country, timezone, address)"
            " VALUES (1, 'W1', 'Main', 'GB', 'Europe/London', '{}')"
        )
    )


GRAMS = bindparam("grams", type_=Numeric(12, 3))  # a Decimal, bound as each backend takes one


def _station_weighing(db: Database, grams: str) -> None:
    """A warehouse and its pack station P-1, whose scale last read `grams`."""
    with db.engine.begin() as connection:
        _warehouse_w1(connection)
        connection.execute(
            text(
                "INSERT INTO station (warehouse_id, code, kind, name, last_weight_g, last_weight_stable)"
                " VALUES (1, 'P-1', 'pack', '', :grams, true)"
            ).bindparams(GRAMS),
            {"grams": Decimal(grams)},
        )


def _station_weight(db: Database) -> Decimal | int | None:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT last_weight_g FROM station WHERE code = 'P-1'")).scalar_one()


def _grams(db: Database) -> Decimal:
    """The stored weight as a decimal (SQLite hands NUMERIC back to a plain query as a float)."""
    return Decimal(str(_station_weight(db)))


def _set_station_weight(db: Database, grams: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE station SET last_weight_g = :grams WHERE code = 'P-1'").bindparams(GRAMS),
            {"grams": Decimal(grams)},
        )


def test_a_whole_gram_station_weight_is_kept_when_weights_become_decimal(empty_database: str) -> None:
    upgrade(empty_database, "0002")
    db = Database(empty_database)
    try:
        _station_weighing(db, "1250")
        upgrade(empty_database, "0003")
        column = next(c for c in inspect(db.engine).get_columns("station") if c["name"] == "last_weight_g")
        assert (column["type"].precision, column["type"].scale) == (12, 3)
        assert _grams(db) == Decimal(1250)

        _set_station_weight(db, "1234.5")
        assert _grams(db) == Decimal("1234.5")

        command.downgrade(alembic_config(empty_database), "0002")  # back to whole grams, half up
        assert _station_weight(db) == 1235
    finally:
        db.dispose()


def test_downgrading_rounds_a_fraction_of_a_gram_below_half_down(empty_database: str) -> None:
    upgrade(empty_database)
    db = Database(empty_database)
    try:
        _station_weighing(db, "1234.499")
        assert _grams(db) == Decimal("1234.499")
        command.downgrade(alembic_config(empty_database), "0002")
        assert _station_weight(db) == 1234
    finally:
        db.dispose()


def test_the_receiving_station_schema_downgrades_keeping_the_stock_and_upgrades_again(
    empty_database: str,
) -> None:
    upgrade(empty_database)
    db = Database(empty_database)
    try:
        with db.engine.begin() as connection:
            _warehouse_w1(connection)
            connection.execute(
                text(
                    "INSERT INTO location (id, warehouse_id, code, kind, zone, path_seq, capacity)"
                    " VALUES (1, 1, 'A-01-1', 'storage', 'reserve', 1, 40)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO item (id, merchant_id, sku, name, category, tracking, weight_g, length_mm,"
                    " width_mm, height_mm, price_minor, currency, final_sale, variant_label)"
                    " VALUES (1, (SELECT id FROM merchant WHERE code = 'MAIN'), 'MILK', 'Milk', 'food',"
                    " 'lot', 0, 0, 0, 0, 0, 'EUR', false, '')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO quant (item_id, merchant_id, location_id, lot, serial, condition, quantity,"
                    " reserved, version, expiry) VALUES (1, (SELECT id FROM merchant WHERE code = 'MAIN'), 1,"
                    " 'L1', '', 'new', 6, 0, 1, '2027-01-31')"
                )
            )
        command.downgrade(alembic_config(empty_database), "0008")  # the schema before the station
        assert "count_task" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT quantity FROM quant WHERE lot = 'L1'")).scalar_one() == 6
        upgrade(empty_database)
        assert {"count_task", "plate_content"} <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
