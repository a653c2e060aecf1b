"""The simulated floor against a real server on a fresh demo site: a short, very fast day."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select

from simulators.floor import Api, Floor, FloorOptions, FloorStats, station_kinds
from tests.live_server import serve
from wms.app import create_app
from wms.context import Kaeru
from wms.fulfilment.tables import Order, Shipment
from wms.identity.service import issue_user_token
from wms.identity.tables import User
from wms.inventory.tables import LedgerEntry, Quant
from wms.merchants.tables import Merchant
from wms.returns.tables import ReturnUnit
from wms.seed import seed_demo


def _on_hand_matches_the_ledger(kaeru: Kaeru) -> None:
    with kaeru.db.read() as session:
        expected: dict[tuple[int, int, str, str, str], int] = defaultdict(int)
        for e in session.exec(select(LedgerEntry)):
            if e.to_location_id is not None:
                expected[(e.item_id, e.to_location_id, e.lot, e.serial, e.to_condition)] += e.quantity
            if e.from_location_id is not None:
                expected[(e.item_id, e.from_location_id, e.lot, e.serial, e.from_condition)] -= e.quantity
        quants = session.exec(select(Quant)).all()
        actual = {(q.item_id, q.location_id, q.lot, q.serial, q.condition): q.quantity for q in quants}
        for key in set(expected) | set(actual):
            assert expected.get(key, 0) == actual.get(key, 0), f"ledger and on-hand disagree at {key}"
        assert all(0 <= q.reserved <= q.quantity for q in quants), "reserved beyond what is on hand"


def test_a_fast_day_ships_orders_grades_returns_oversells_nothing_and_stops_by_itself(kaeru: Kaeru) -> None:
    kaeru.db.write(lambda s: seed_demo(s, kaeru.site, orders=6))
    options = FloorOptions(
        server="", speed=250_000, duration=18, seed=11, orders_per_day=3, more_returns=4, run_id="t1"
    )
    with serve(create_app(kaeru.settings, kaeru=kaeru)) as url:
        floor = Floor(
            FloorOptions(**{**options.__dict__, "server": url}), station_kinds=station_kinds(kaeru.site)
        )
        started = time.monotonic()
        stats = asyncio.run(floor.run())
        took = time.monotonic() - started
        bill = _bill(kaeru, url)
    assert took < 30, f"the run should stop by itself after its duration, took {took:.1f} s"
    assert stats.shipped >= 2, stats.summary()
    assert stats.delivered >= 1, stats.summary()
    assert stats.units_graded >= 1, stats.summary()
    with kaeru.db.read() as session:
        statuses = {o.status for o in session.exec(select(Order))}
        graded = session.exec(select(ReturnUnit).where(ReturnUnit.grade != None)).all()  # noqa: E711
    assert "delivered" in statuses
    assert graded
    assert all(u.grade in ("A", "B", "C", "D", "X") for u in graded)
    _on_hand_matches_the_ledger(kaeru)
    _bill_matches_the_floor(kaeru, bill)


def _bill(kaeru: Kaeru, url: str) -> dict[str, dict[str, int]]:
    """The manager's bill of the run (a few days around it: a run near midnight spans two), per merchant."""
    with kaeru.db.read() as session:
        manager = session.exec(select(User).where(User.username == "manager")).one()
    token = kaeru.db.write(lambda s: issue_user_token(s, manager))
    today = datetime.now(UTC).date()
    period = {"since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=2))}
    rows = httpx.get(
        f"{url}/api/v1/billing", params=period, headers={"Authorization": f"Bearer {token}"}
    ).json()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for figure in (
            "units_received",
            "cartons_shipped",
            "orders_shipped",
            "lines_picked",
            "returns_processed",
        ):
            totals[row["merchant"]][figure] += row[figure]
    return totals


def _bill_matches_the_floor(kaeru: Kaeru, bill: dict[str, dict[str, int]]) -> None:
    """Both merchants of the demo worked the day, and each one's bill is what the ledger and the
    shipments say."""
    with kaeru.db.read() as session:
        codes = {m.id: m.code for m in session.exec(select(Merchant))}
        counted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for e in session.exec(select(LedgerEntry)):
            if e.reason == "receive":
                counted[codes[e.merchant_id]]["units_received"] += e.quantity
            if e.reason == "pick":
                counted[codes[e.merchant_id]]["lines_picked"] += 1
        for shipment, order in session.exec(
            select(Shipment, Order).join(Order, Order.id == Shipment.order_id)
        ):
            if shipment.shipped_at is not None:
                counted[codes[order.merchant_id]]["cartons_shipped"] += 1
        for unit in session.exec(select(ReturnUnit).where(ReturnUnit.graded_at != None)):  # noqa: E711
            counted[codes[unit.merchant_id]]["returns_processed"] += 1
    assert len([code for code in counted if counted[code]["lines_picked"]]) >= 2, dict(counted)
    for code, figures in counted.items():
        for figure, value in figures.items():
            assert bill[code][figure] == value, (code, figure, bill[code][figure], value)


def test_a_refused_request_is_counted_and_answered_with_nothing(kaeru: Kaeru) -> None:
    kaeru.db.write(lambda s: seed_demo(s, kaeru.site, orders=0))

    async def ask(url: str) -> tuple[object, FloorStats]:
        stats = FloorStats()
        api = Api(url, stats, "t2")
        try:
            assert await api.sign_in("integrator", "integrator", "kaeru-demo")
            answer = await api.call(
                "integrator",
                "POST",
                "/api/v1/orders",
                keyed=True,
                json={
                    "warehouse": "WH1",
                    "number": "X-1",
                    "shopper": {"email": "a@example.com"},
                    "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}],
                },
            )
            return answer, stats
        finally:
            await api.aclose()

    with serve(create_app(kaeru.settings, kaeru=kaeru)) as url:
        answer, stats = asyncio.run(ask(url))
    assert answer is None
    assert stats.refusals == 1
    assert stats.errors == 0
