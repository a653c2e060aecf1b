"""Statements run straight on the driver connection (`wms.db.Direct`) behave as SQLAlchemy's would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from wms.context import Kaeru
from wms.db import Direct
from wms.platform.tables import IdempotencyRecord, OutboxMessage

_i = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_o = OutboxMessage.__table__  # type: ignore[attr-defined]
_KEYS = ("client", "key", "request_hash", "state", "status_code", "response", "created_at")
_STORE = Direct(insert(_i).returning(_i.c.id), keys=_KEYS)
_READ = Direct(
    select(_i.c.key, _i.c.response, _i.c.created_at)
    .where(_i.c.client == bindparam("client"))
    .order_by(_i.c.key)
)


def _row(key: str, **extra: object) -> dict[str, object]:
    return {
        "client": "device:1",
        "key": key,
        "request_hash": "h",
        "state": "done",
        "status_code": 200,
        "response": {"scan_id": 7, "parsed": {"gtin": None}, "text": "Grüße"},
        "created_at": datetime(2026, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=9))),
        **extra,
    }


def test_values_go_in_and_come_back_with_the_column_types_applied(kaeru: Kaeru) -> None:
    def work(session: Session) -> list[tuple[object, ...]]:
        connection = session.connection()
        first = _STORE.scalar(connection, _row("a"))
        second = _STORE.scalar(connection, _row("b", response=None))
        assert isinstance(first, int)
        assert second == first + 1
        return _READ.rows(connection, {"client": "device:1"})

    rows = kaeru.db.write(work)
    assert rows == [
        (
            "a",
            {"scan_id": 7, "parsed": {"gtin": None}, "text": "Grüße"},
            datetime(2026, 11, 24, 0, 30, tzinfo=UTC),
        ),
        ("b", None, datetime(2026, 11, 24, 0, 30, tzinfo=UTC)),
    ]
    # What SQLAlchemy's own execution reads back is the same.
    with kaeru.db.read() as session:
        stored = session.execute(select(_i.c.response, _i.c.created_at).where(_i.c.key == "a")).one()
    assert tuple(stored) == rows[0][1:]


def test_a_statement_without_rows_and_a_query_that_finds_nothing(kaeru: Kaeru) -> None:
    def work(session: Session) -> tuple[object, ...]:
        connection = session.connection()
        return (
            _READ.rows(connection, {"client": "nobody"}),
            _READ.first(connection, {"client": "nobody"}),
            _READ.scalar(connection, {"client": "nobody"}),
        )

    assert kaeru.db.write(work) == ([], None, None)


def test_a_constraint_violation_is_sqlalchemys_integrity_error_and_rolls_the_work_back(kaeru: Kaeru) -> None:
    def work(session: Session) -> None:
        connection = session.connection()
        _STORE.rows(connection, _row("dup"))
        _STORE.rows(connection, _row("dup"))

    with pytest.raises(IntegrityError):
        kaeru.db.write(work)
    with kaeru.db.read() as session:
        assert _READ.rows(session.connection(), {"client": "device:1"}) == []
    # The pooled connection is still good for the next transaction.
    assert kaeru.db.write(lambda s: _STORE.scalar(s.connection(), _row("next"))) is not None


def test_an_insert_must_be_given_every_column_it_writes_and_a_query_every_parameter(kaeru: Kaeru) -> None:
    with pytest.raises(ValueError, match="created_at"):
        kaeru.db.write(
            lambda s: Direct(insert(_o), keys=("message_id",)).rows(s.connection(), {"message_id": "x"})
        )
    with pytest.raises(KeyError, match="client"):
        kaeru.db.write(lambda s: _READ.rows(s.connection(), {}))
