"""Loading the rows a use case needs by id, with a clear error when one is gone (never an assert)."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel

from wms.errors import NotFound

T = TypeVar("T", bound=SQLModel)


def existing(session: Session, table: type[T], row_id: int | None, what: str) -> T:
    """The row of `table` with this id; NotFound naming `what` if it does not exist (any more)."""
    row = session.get(table, row_id) if row_id is not None else None
    if row is None:
        raise NotFound("{what} {row_id} no longer exists", what=what, row_id=row_id)
    return row
