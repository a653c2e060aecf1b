"""Staff accounts, devices and the audit trail are listed in a fixed number of statements."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from tests.floor import Floor
from tests.statements import statements_of
from wms.context import Kaeru
from wms.identity.tables import Device, User
from wms.platform.tables import AuditEntry

_serial = itertools.count(1)


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _rows(floor: Floor, make: Callable[[int, int], object], count: int) -> None:
    def work(session):  # type: ignore[no-untyped-def]
        for _ in range(count):
            session.add(make(next(_serial), floor.warehouse.id or 0))

    floor.kaeru.db.write(work)


MAKERS: dict[str, tuple[str, str, Callable[[int, int], object]]] = {
    "users": ("/api/v1/users", "admin", lambda n, _: User(username=f"listed{n}", role="picker")),
    "devices": (
        "/api/v1/devices",
        "manager",
        lambda n, wid: Device(warehouse_id=wid, code=f"HH-LIST-{n}", kind="handheld"),
    ),
    "audit": (
        "/api/v1/audit",
        "manager",
        lambda n, wid: AuditEntry(
            actor="system", warehouse_id=wid, action="test.listed", object_type="test", object_id=str(n)
        ),
    ),
}


@pytest.mark.parametrize("listing", sorted(MAKERS))
def test_listing_twice_as_many_rows_sends_no_more_statements(floor: Floor, listing: str) -> None:
    path, who, make = MAKERS[listing]
    _rows(floor, make, 5)
    before = len(floor.call("GET", path, who))
    few = statements_of(floor.kaeru.db.engine, lambda: floor.call("GET", path, who))
    _rows(floor, make, 5)
    assert len(floor.call("GET", path, who)) == before + 5
    many = statements_of(floor.kaeru.db.engine, lambda: floor.call("GET", path, who))
    assert many == few
