"""What a caller may see: an object outside the caller's warehouses is answered as if it did not exist.

The one check every look-up by id, number or code goes through (docs/architecture.md, "Areas").
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from wms.errors import NotFound
from wms.identity.model import Principal


class InWarehouse(Protocol):
    warehouse_id: int


T = TypeVar("T", bound=InWarehouse)


def visible(row: T | None, principal: Principal | None, missing: str) -> T:
    """`row`, if it exists and `principal` (None: the system itself) sees its warehouse; else NotFound."""
    if row is None or (principal is not None and not principal.sees_warehouse(row.warehouse_id)):
        raise NotFound(missing)
    return row
