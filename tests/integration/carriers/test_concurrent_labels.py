"""A hundred cartons closed at once on PostgreSQL: each gets its own label from the carrier (through
karrio and the simulated carrier), and no two shipments share a tracking number."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlmodel import select
from tracking_numbers import get_tracking_number

from tests.floor import Floor
from tests.integration.carriers.carrier_floor import packed, stock
from wms.carriers.labels import settle
from wms.context import Kaeru
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Carton, Shipment
from wms.identity.model import Principal

CARTONS = 100


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    stock(f, CARTONS)
    yield f
    f.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # concurrent closes: row locks
def test_a_hundred_cartons_closed_at_once_get_a_hundred_distinct_tracking_numbers(floor: Floor) -> None:
    kaeru = floor.kaeru
    ssccs = [packed(floor, f"P-{n:03d}") for n in range(CARTONS)]
    who = Principal(kind="user", role="packer", warehouse_id=None, name="packer")
    start = threading.Barrier(20)

    def close_one(sscc: str) -> str:
        def work(session: Any) -> int:
            carton = session.exec(select(Carton).where(Carton.sscc == sscc)).one()
            label = fulfilment.close_carton(
                session, principal=who, carton=carton, weight_g=430, site=kaeru.site
            )
            return label.id or 0

        if ssccs.index(sscc) < 20:
            start.wait(timeout=30)
        label_id = kaeru.db.write(work)
        return settle(kaeru, label_id, principal=who).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(close_one, ssccs))

    assert statuses == ["bought"] * CARTONS
    with kaeru.db.read() as session:
        numbers = [s.tracking_number for s in session.exec(select(Shipment)).all()]
    assert len(numbers) == CARTONS
    assert len(set(numbers)) == CARTONS
    assert all(get_tracking_number(n) is not None and get_tracking_number(n).valid for n in numbers)
