"""The stock invariants an operator checks after a restore or an upgrade (`kaeru db check`): on-hand
equals the sum of the ledger for every (item, location, lot, serial, condition); nothing negative;
reserved within on-hand; a serial number in at most one place. Each is one aggregate statement, so the
check reads each table once whatever its size (docs/architecture.md, Ledger)."""

from __future__ import annotations

from sqlalchemy import text

from wms.db import Database

_LEDGER_VS_ON_HAND = text(
    """
    SELECT item_id, location_id, lot, serial, cond, SUM(q) FROM (
        SELECT item_id, to_location_id AS location_id, lot, serial, to_condition AS cond, quantity AS q
          FROM ledgerentry WHERE to_location_id IS NOT NULL
        UNION ALL
        SELECT item_id, from_location_id, lot, serial, from_condition, -quantity
          FROM ledgerentry WHERE from_location_id IS NOT NULL
        UNION ALL
        SELECT item_id, location_id, lot, serial, condition, -quantity FROM quant
    ) AS moves
    GROUP BY item_id, location_id, lot, serial, cond
    HAVING SUM(q) <> 0
    ORDER BY item_id, location_id
    """
)
_BAD_QUANTS = text(
    "SELECT id, quantity, reserved FROM quant WHERE quantity < 0 OR reserved < 0 OR reserved > quantity"
)
_SERIAL_TWICE = text(
    "SELECT item_id, serial, SUM(quantity) FROM quant WHERE serial <> '' AND quantity > 0"
    " GROUP BY item_id, serial HAVING COUNT(*) > 1 OR SUM(quantity) > 1"
)
_COUNTS = text("SELECT (SELECT COUNT(*) FROM ledgerentry), (SELECT COUNT(*) FROM quant)")


def stock_problems(db: Database, *, limit: int = 20) -> tuple[list[str], tuple[int, int]]:
    """What breaks the invariants (empty when they hold, at most `limit` of each kind), and the
    numbers of ledger rows and quants checked."""
    problems: list[str] = []
    with db.read() as session:
        for item, location, lot, serial, condition, difference in session.execute(
            _LEDGER_VS_ON_HAND
        ).fetchmany(limit):
            problems.append(
                f"item {item} at location {location} (lot {lot!r}, serial {serial!r}, {condition}):"
                f" the ledger says {difference:+d} more than on-hand"
            )
        for quant, quantity, reserved in session.execute(_BAD_QUANTS).fetchmany(limit):
            problems.append(f"quant {quant}: quantity {quantity}, reserved {reserved}")
        for item, serial, quantity in session.execute(_SERIAL_TWICE).fetchmany(limit):
            problems.append(f"item {item} serial {serial!r} is in several places ({quantity} units)")
        ledger, quants = session.execute(_COUNTS).one()
    return problems, (int(ledger), int(quants))
