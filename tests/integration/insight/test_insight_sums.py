"""The returns insight figures, added up by the database, are the ones a walk over every row gives:
checked on a seeded floor of a few hundred returns (random reasons, grades, dispositions, currencies,
values and timestamps to the microsecond), on SQLite and PostgreSQL, for all time and for a period."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlmodel import Session, select

from tests.floor import Floor
from tests.statements import fewest_statements
from wms.context import Kaeru
from wms.insight import model
from wms.inventory.tables import Item, Warehouse
from wms.merchants.service import default_merchant
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SKUS = {"TEE": "apparel", "CAP": "apparel", "MUG": "home", "LAMP": "home", "CABLE": "electronics"}
REASONS = ["size_too_small", "changed_mind", "defective", "not_as_described", "arrived_late"]
GRADES = {"A": "restock_new", "B": "restock_open_box", "C": "liquidation", "D": "recycle"}


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _moment(rng: random.Random, days: int = 90) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(days * 86400), microseconds=rng.randrange(1_000_000))


def _seed(session: Session, rng: random.Random, rmas: int) -> None:
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
    items = {i.sku: i for i in session.exec(select(Item)).all()}
    for n in range(rmas):
        created = _moment(rng)
        rma = ReturnAuthorisation(
            warehouse_id=warehouse.id or 0,
            merchant_id=default_merchant(session).id or 0,
            number=f"S{n}",
            token=f"seeded-{n}",
            status=rng.choice(["authorised", "received", "completed", "cancelled"]),
            kind=rng.choice(["authorised", "authorised", "authorised", "unexpected"]),
            created_at=created,
        )
        session.add(rma)
        session.flush()
        parcel = ReturnParcel(
            warehouse_id=rma.warehouse_id,
            merchant_id=rma.merchant_id,
            rma_id=rma.id or 0,
            scanned_at=created + timedelta(days=3),
        )
        session.add(parcel)
        session.flush()
        for sku in rng.sample(sorted(SKUS), rng.randint(1, 3)):
            line = ReturnLine(
                rma_id=rma.id or 0,
                item_id=items[sku].id or 0,
                quantity=rng.randint(1, 4),
                reason=rng.choice(REASONS),
            )
            session.add(line)
            session.flush()
            for _ in range(line.quantity):
                session.add(_unit(rng, rma, parcel, line, items[sku]))


def _unit(
    rng: random.Random, rma: ReturnAuthorisation, parcel: ReturnParcel, line: ReturnLine, item: Item
) -> ReturnUnit:
    grade = rng.choice([None, *GRADES])
    graded_at = parcel.scanned_at + timedelta(seconds=rng.uniform(30, 7200)) if grade else None
    put_away = (
        graded_at + timedelta(seconds=rng.uniform(10, 86400), microseconds=rng.randrange(10**6))
        if graded_at and rng.random() < 0.7
        else None
    )
    value = item.price_minor
    return ReturnUnit(
        warehouse_id=rma.warehouse_id,
        merchant_id=rma.merchant_id,
        parcel_id=parcel.id or 0,
        rma_id=rma.id or 0,
        line_id=line.id,
        item_id=item.id,
        match="right_item",
        status="put_away" if put_away else ("graded" if grade else "received"),
        value_minor=value,
        currency=rng.choice(["USD", "USD", "EUR"]),
        category=item.category,
        grade=grade,
        graded_at=graded_at,
        disposition=GRADES[grade] if grade else "",
        recovery_minor=rng.randrange(value + 1) if grade else 0,
        put_away_at=put_away,
    )


def _within(moment: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    return moment is not None and (since is None or moment >= since) and (until is None or moment < until)


def _walked(session: Session, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Every figure the way a walk over every row computes it (the reference)."""
    lines = session.exec(
        select(Item.sku, Item.category, ReturnLine.reason, ReturnLine.quantity, ReturnAuthorisation)
        .join(ReturnAuthorisation, ReturnAuthorisation.id == ReturnLine.rma_id)
        .join(Item, Item.id == ReturnLine.item_id)
    ).all()
    lines = [
        r
        for r in lines
        if r[4].kind == "authorised" and r[4].status != "cancelled" and _within(r[4].created_at, since, until)
    ]
    quantities = [r[3] for r in lines]
    units = [
        u
        for u in session.exec(select(ReturnUnit)).all()
        if u.grade is not None and _within(u.graded_at, since, until)
    ]
    parcels = {p.id: p for p in session.exec(select(ReturnParcel)).all()}
    seconds = [
        (u.put_away_at - parcels[u.parcel_id].scanned_at).total_seconds()
        for u in session.exec(select(ReturnUnit)).all()
        if _within(u.put_away_at, since, until)
    ]
    return {
        "reasons": {
            "overall": model.mix((r[2] for r in lines), quantities),
            "by_sku": model.mix_by(((r[0], r[2]) for r in lines), quantities),
            "by_category": model.mix_by(((r[1], r[2]) for r in lines), quantities),
        },
        "grades": {
            "overall": model.mix(u.grade or "" for u in units),
            "by_category": model.mix_by((u.category, u.grade or "") for u in units),
        },
        "dispositions": {
            "overall": model.mix(u.disposition for u in units),
            "by_grade": model.mix_by((u.grade or "", u.disposition) for u in units),
        },
        "recovery": {
            "total": model.money_by((u.currency, "all", u.value_minor, u.recovery_minor, 1) for u in units),
            "by_disposition": model.money_by(
                (u.currency, u.disposition, u.value_minor, u.recovery_minor, 1) for u in units
            ),
            "by_category": model.money_by(
                (u.currency, u.category, u.value_minor, u.recovery_minor, 1) for u in units
            ),
        },
        "dock_to_stock": {
            "unit": "seconds",
            "count": len(seconds),
            "p50": round(float(np.percentile(seconds, 50)), 3),
            "p90": round(float(np.percentile(seconds, 90)), 3),
            "mean": round(float(np.mean(seconds)), 3),
        },
    }


def _asked(floor: Floor, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    query = "warehouse=WH1"
    if since is not None:
        query += f"&since={since.isoformat().replace('+00:00', 'Z')}"
    if until is not None:
        query += f"&until={until.isoformat().replace('+00:00', 'Z')}"
    answer = floor.call("GET", f"/api/v1/insight/returns?{query}", "manager")
    return {name: answer[name] for name in ("reasons", "grades", "dispositions", "recovery", "dock_to_stock")}


def test_the_summed_figures_equal_a_walk_over_every_row(floor: Floor) -> None:
    for sku, category in SKUS.items():
        floor.item(sku, category=category, price_minor=1000 + 700 * len(sku))
    rng = random.Random(20261207)
    floor.kaeru.db.write(lambda s: _seed(s, rng, 150))
    periods = [
        (None, None),
        (NOW - timedelta(days=30), None),
        (NOW - timedelta(days=60), NOW - timedelta(days=20)),
    ]
    for since, until in periods:
        with floor.kaeru.db.read() as session:
            expected = _walked(session, since, until)
        assert expected["dock_to_stock"]["count"] > 20
        assert _asked(floor, since, until) == expected, (since, until)


def test_the_figures_cost_the_same_statements_for_ten_times_the_history(floor: Floor) -> None:
    for sku, category in SKUS.items():
        floor.item(sku, category=category)
    rng = random.Random(7)
    floor.kaeru.db.write(lambda s: _seed(s, rng, 10))
    assert _asked(floor, None, None)["dock_to_stock"]["count"] > 0  # every statement of the figures runs
    engine = floor.kaeru.db.engine
    few = fewest_statements(engine, lambda: _asked(floor, None, None))
    floor.kaeru.db.write(lambda s: _seed_more(s, rng))
    many = fewest_statements(engine, lambda: _asked(floor, None, None))
    assert many == few


def _seed_more(session: Session, rng: random.Random) -> None:
    count = len(session.exec(select(ReturnAuthorisation)).all())
    for n in range(count, count + 90):
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        item = rng.choice(session.exec(select(Item)).all())
        rma = ReturnAuthorisation(
            warehouse_id=warehouse.id or 0,
            merchant_id=item.merchant_id,
            number=f"M{n}",
            token=f"more-{n}",
            created_at=_moment(rng),
        )
        session.add(rma)
        session.flush()
        parcel = ReturnParcel(
            warehouse_id=rma.warehouse_id,
            merchant_id=rma.merchant_id,
            rma_id=rma.id or 0,
            scanned_at=rma.created_at,
        )
        session.add(parcel)
        session.flush()
        line = ReturnLine(rma_id=rma.id or 0, item_id=item.id or 0, quantity=2, reason=rng.choice(REASONS))
        session.add(line)
        session.flush()
        session.add(_unit(rng, rma, parcel, line, item))
