"""What a caller may see: an object outside the caller's warehouses or merchants is answered as if it
did not exist.

The one check every look-up by id, number or code goes through, and the one filter every list takes
(docs/architecture.md, "Access").
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from wms.errors import NotFound
from wms.identity.model import Principal


class InWarehouse(Protocol):
    warehouse_id: int


T = TypeVar("T", bound=InWarehouse)
S = TypeVar("S")


def visible(row: T | None, principal: Principal | None, missing: str) -> T:
    """`row`, if it exists and `principal` (None: the system itself) sees its warehouse and its merchant
    (rows with a `merchant_id`); else NotFound."""
    if row is None or (
        principal is not None
        and not (
            principal.sees_warehouse(row.warehouse_id)
            and principal.sees_merchant(getattr(row, "merchant_id", None))
        )
    ):
        raise NotFound(missing)
    return row


def sees(principal: Principal | None, warehouse_id: int | None, merchant_id: int | None) -> bool:
    """Whether `principal` sees an object of this warehouse (None: the floor's) and merchant."""
    if principal is None:
        return True
    return (warehouse_id is None or principal.sees_warehouse(warehouse_id)) and principal.sees_merchant(
        merchant_id
    )


def scoped(statement: S, principal: Principal | None, *, warehouse: Any = None, merchant: Any = None) -> S:
    """`statement` narrowed to the caller's warehouse (column `warehouse`) and merchants (`merchant`)."""
    if principal is None:
        return statement
    if warehouse is not None and principal.warehouse_id is not None:
        statement = statement.where(warehouse == principal.warehouse_id)  # type: ignore[attr-defined]
    if merchant is not None and principal.merchant_ids is not None:
        statement = statement.where(merchant.in_(sorted(principal.merchant_ids)))  # type: ignore[attr-defined]
    return statement
