"""Statements run straight on the driver connection (`wms.db.Direct`) behave as SQLAlchemy's would, and
appends queued with `Direct.defer` land with their transaction, in order, and vanish with its rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from wms import db as db_module
from wms.context import Kaeru
from wms.db import Direct
from wms.platform.outbox import enqueue
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


# --- deferred appends -------------------------------------------------------------------------------
_APPEND = Direct(insert(_i), keys=_KEYS)
_KEYS_OF = Direct(select(_i.c.key).where(_i.c.client == bindparam("client")).order_by(_i.c.id))


def _stored_keys(kaeru: Kaeru) -> list[str]:
    with kaeru.db.read() as session:
        return [key for (key,) in _KEYS_OF.rows(session.connection(), {"client": "device:1"})]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement `wms.db` sends straight to the driver."""
    statements: list[str] = []
    real = db_module._execute

    def spy(connection: Any, sql: str, parameters: Any, returns_rows: bool) -> list[Any]:
        statements.append(sql)
        return real(connection, sql, parameters, returns_rows)

    monkeypatch.setattr(db_module, "_execute", spy)
    return statements


def test_deferred_appends_land_at_commit_together_and_in_the_order_written(
    kaeru: Kaeru, sent: list[str]
) -> None:
    def work(session: Session) -> None:
        connection = session.connection()
        _APPEND.defer(connection, _row("a"))
        enqueue(session, channel="live", topic="scan", payload={"n": 1})
        _APPEND.defer(connection, _row("b"))
        assert sent == []  # nothing sent yet

    kaeru.db.write(work)
    if kaeru.db.dialect == "postgresql":
        # Different tables share a statement; a second row of a table waits for the next one, so that
        # ids follow the order of writing.
        assert len(sent) == 2
        assert sent[0].startswith("WITH ")
    else:
        assert len(sent) == 3
    assert _stored_keys(kaeru) == ["a", "b"]
    with kaeru.db.read() as session:
        assert session.execute(select(_o.c.payload)).scalars().all() == [{"n": 1}]


def test_a_deferred_append_is_in_place_before_the_transaction_reads_or_updates(kaeru: Kaeru) -> None:
    def work(session: Session) -> tuple[int, int, list[tuple[Any, ...]]]:
        connection = session.connection()
        _APPEND.defer(connection, _row("a"))
        counted = session.execute(select(func.count()).select_from(_i)).scalar_one()  # SQLAlchemy's own
        _APPEND.defer(connection, _row("b"))
        updated = session.execute(update(_i).where(_i.c.key == "b").values(status_code=201)).rowcount
        _APPEND.defer(connection, _row("c"))
        return counted, updated, _KEYS_OF.rows(connection, {"client": "device:1"})  # a Direct read

    assert kaeru.db.write(work) == (1, 1, [("a",), ("b",), ("c",)])


def test_appends_of_a_rolled_back_transaction_are_never_written(kaeru: Kaeru) -> None:
    def failing(session: Session) -> None:
        _APPEND.defer(session.connection(), _row("lost"))
        raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        kaeru.db.write(failing)
    # The next transaction (on the same pooled connection) commits only its own.
    kaeru.db.write(lambda s: _APPEND.defer(s.connection(), _row("kept")))
    assert _stored_keys(kaeru) == ["kept"]


def test_a_savepoint_rolled_back_drops_the_appends_made_inside_it_only(kaeru: Kaeru) -> None:
    def work(session: Session) -> None:
        # session.connection() each time: a savepoint begins when the session next hands out its connection.
        _APPEND.defer(session.connection(), _row("before"))
        try:
            with session.begin_nested():
                _APPEND.defer(session.connection(), _row("inside"))
                raise RuntimeError("the step was refused")
        except RuntimeError:
            pass
        _APPEND.defer(session.connection(), _row("after"))

    kaeru.db.write(work)
    assert _stored_keys(kaeru) == ["before", "after"]


def test_a_duplicate_key_in_a_deferred_append_fails_the_commit_and_undoes_the_whole_transaction(
    kaeru: Kaeru,
) -> None:
    kaeru.db.write(lambda s: _APPEND.defer(s.connection(), _row("taken")))

    def work(session: Session) -> None:
        enqueue(session, channel="live", topic="scan", payload={"n": 2})
        _APPEND.defer(session.connection(), _row("taken"))

    with pytest.raises(IntegrityError):
        kaeru.db.write(work)
    with kaeru.db.read() as session:
        assert session.execute(select(func.count()).select_from(_o)).scalar_one() == 0
    kaeru.db.write(lambda s: _APPEND.defer(s.connection(), _row("next")))  # the pool is still good
    assert sorted(_stored_keys(kaeru)) == ["next", "taken"]


def test_only_an_insert_that_returns_nothing_can_be_deferred(kaeru: Kaeru) -> None:
    with pytest.raises(ValueError, match="INSERT"):
        kaeru.db.write(lambda s: _STORE.defer(s.connection(), _row("x")))
    with pytest.raises(ValueError, match="INSERT"):
        kaeru.db.write(lambda s: _KEYS_OF.defer(s.connection(), {"client": "device:1"}))
