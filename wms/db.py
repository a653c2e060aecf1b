"""Engines and transactions: SQLite (embedded default) and PostgreSQL, one transaction helper for both.

Writes on SQLite begin with BEGIN IMMEDIATE so that two writers never interleave a read and a
write of the same stock; on PostgreSQL they run at READ COMMITTED and take row locks where a
decision depends on what they read. Serialization failures, deadlocks and a busy SQLite are
retried a bounded number of times with jittered backoff.
"""

from __future__ import annotations

import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Insert, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from wms.observability.metrics import count_retry

T = TypeVar("T")
RETRY_ATTEMPTS = 8


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# Connections kept beyond the requests' own, for the work a server does beside them: outbox relays (one
# holds its connection while a batch goes out), the print spooler, dashboards' snapshots.
BACKGROUND_CONNECTIONS = 4


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """An engine whose pool keeps `pool_size` connections for requests and a few for background work.

    A burst beyond that opens overflow connections, closed again when returned to a full pool. They must
    stay a burst: a pool one connection short of the steady demand closes and reopens connections all
    the time (each a new PostgreSQL backend), which cost a busy floor a fifth of its scan throughput.
    """
    url = normalise_url(url)
    kept = pool_size + BACKGROUND_CONNECTIONS
    if url.startswith("sqlite"):
        # Pooled: opening a SQLite connection (and the checkpoint on closing it) costs more than a scan.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=kept,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        _run_deferred_writes(engine)
        return engine
    engine = create_engine(url, pool_size=kept, max_overflow=pool_size)
    _ping_when_idle(engine)
    _run_deferred_writes(engine)
    return engine


PING_AFTER_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle a while (the server may have dropped it).

    Pinging on every checkout (pool_pre_ping) costs a round trip per transaction — a tenth of a scan's
    time. A connection used moments ago is alive; one that broke since is retried by `Database.write`.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["kaeru_returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("kaeru_returned_at")
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError(f"pooled connection was dropped while idle: {exc}") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("kaeru_readonly")
        # Straight to the driver: this runs for every transaction, and SQLAlchemy's statement
        # machinery around one fixed command costs more than the command.
        conn.connection.driver_connection.execute("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate in {"40001", "40P01"}:
            return True
        if isinstance(exc, OperationalError) and "database is locked" in str(orig):
            return True
        if exc.connection_invalidated:
            return True  # the server dropped the connection (restart, failover): a new one is taken
    return False


class Database:
    """One database: an engine, read sessions and retried write transactions."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(url, pool_size=pool_size)
        self._read_engine = self.engine.execution_options(kaeru_readonly=True)
        # SQLite takes one writer at a time. Writers of this process queue on a lock, woken the moment
        # the previous one commits, instead of polling SQLite's busy handler (whose growing sleeps
        # turned a busy second into multi-second tails). Other processes still meet busy_timeout.
        self._write_turn: threading.RLock | None = threading.RLock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    def write(self, work: Callable[[Session], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
        """Run `work` in one transaction, retrying serialization failures and deadlocks."""
        if self._write_turn is None:
            return self._write(work, attempts)
        with self._write_turn:
            return self._write(work, attempts)

    def _write(self, work: Callable[[Session], T], attempts: int) -> T:
        for attempt in range(attempts):
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except Exception as exc:
                    session.rollback()
                    if attempt + 1 < attempts and is_retryable(exc):
                        count_retry(exc)
                        time.sleep(random.uniform(0, 0.01 * 2**attempt))  # full jitter
                        continue
                    raise
        raise RuntimeError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


class Direct:
    """A Core statement compiled once per dialect and run on the transaction's own driver connection.

    For the handful of statements every scan runs. SQLAlchemy's per-execution machinery (statement
    cache, parameter processing, result set-up, events) costs about twice the database round trip
    itself on psycopg (~130 µs of CPU against ~65 µs). Column types still apply: bind and result
    processors come from them, so UTC timestamps and JSON read and write as everywhere else. Driver
    errors are raised as SQLAlchemy's (IntegrityError, OperationalError ...), and a dropped connection
    is invalidated, so callers and `Database.write`'s retries treat them alike. Statement events
    (before_cursor_execute) do not fire for these statements.
    """

    def __init__(self, statement: Any, *, keys: Sequence[str] | None = None) -> None:
        if isinstance(statement, Insert) and not statement.returning_column_descriptions:
            statement = statement.inline()  # no RETURNING of the new id nobody asked for
        self.statement = statement
        self.keys = tuple(keys) if keys is not None else None  # an INSERT's columns, all supplied
        self._compiled: dict[str, _DirectCompiled] = {}

    def _for(self, dialect: Dialect) -> _DirectCompiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _DirectCompiled(self.statement, self.keys, dialect)
        return compiled

    def rows(self, connection: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run it; the rows it returns (result types applied), or [] for a statement without rows."""
        compiled = self._for(connection.dialect)
        if connection.info.get(_DEFERRED):
            run_deferred(connection)  # it may read what they write
        fetched = _execute(connection, compiled.sql, compiled.parameters(params), compiled.returns_rows)
        return compiled.results(fetched) if compiled.returns_rows else []

    def defer(self, connection: Connection, params: dict[str, Any]) -> None:
        """Queue this write (an INSERT without RETURNING) to run with the transaction's other queued
        writes: just before the transaction's next statement of any other kind, or its commit.

        On PostgreSQL the queued writes go as one statement (each a data-modifying WITH clause): a scan
        appends its record, its live event and its idempotency record in one round trip instead of three.
        Their errors (a duplicate key ...) surface at that statement, or at the commit; a rollback drops
        them. Values are taken now (a payload changed later is not what is written).
        """
        compiled = self._for(connection.dialect)
        if compiled.returns_rows or not compiled.is_insert:
            raise ValueError("only an INSERT that returns nothing can be deferred")
        if connection.dialect not in _DEFERRING:
            _execute(connection, compiled.sql, compiled.parameters(params), False)  # nobody would run it
            return
        connection.info.setdefault(_DEFERRED, []).append((compiled, compiled.parameters(params)))

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(connection, params)
        return found[0] if found else None

    def scalar(self, connection: Connection, params: dict[str, Any]) -> Any:
        row = self.first(connection, params)
        return row[0] if row else None


class _DirectCompiled:
    def __init__(self, statement: Any, keys: tuple[str, ...] | None, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        self.sql = compiled.string
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = list(compiled.positiontup) if compiled.positional else list(by_name)
        if keys is not None and set(names) - set(keys):
            raise ValueError(f"supply every column of this insert: missing {set(names) - set(keys)}")
        self.positional = bool(compiled.positional)
        self.is_insert = isinstance(statement, Insert)
        self.table = statement.table.name if self.is_insert else None
        # PostgreSQL runs several writes as one statement (data-modifying WITH clauses); psycopg's named
        # parameters are renamed apart to join them.
        self.joinable = (
            dialect.name == "postgresql" and dialect.paramstyle == "pyformat" and "%%" not in self.sql
        )
        self.binds = [
            (
                name,
                by_name[name].type.dialect_impl(dialect).bind_processor(dialect),
                by_name[name].required,
                by_name[name].value,
            )
            for name in names
        ]
        if statement.is_select:
            columns = list(statement.selected_columns)
        else:
            columns = [d["expr"] for d in getattr(statement, "returning_column_descriptions", ())]
        self.returns_rows = bool(columns)
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        self.processors = processors if any(processors) else None

    def parameters(self, params: dict[str, Any]) -> Any:
        if self.positional:  # a name may stand at several places
            values = []
            for name, process, required, fixed in self.binds:
                value = params[name] if required or name in params else fixed
                values.append(process(value) if process is not None else value)
            return values
        named: dict[str, Any] = {}
        for name, process, required, fixed in self.binds:
            value = params[name] if required or name in params else fixed
            named[name] = process(value) if process is not None else value
        return named

    def results(self, rows: list[Any]) -> list[tuple[Any, ...]]:
        if self.processors is None:
            return [tuple(row) for row in rows]
        processors = self.processors
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=False)) for row in rows
        ]


# --- deferred writes --------------------------------------------------------------------------------
_DEFERRED = "kaeru_deferred_writes"  # in the connection's info: [(compiled statement, parameters)]
_DEFERRING: weakref.WeakSet[Any] = weakref.WeakSet()  # dialects of engines whose events run deferred writes
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_joined: dict[tuple[_DirectCompiled, ...], str] = {}


def _execute(connection: Connection, sql: str, parameters: Any, returns_rows: bool) -> list[Any]:
    """One statement on the transaction's driver connection, through a cursor reused per connection."""
    driver = connection.connection
    cached = driver.info.get("kaeru_direct_cursor")
    if cached is not None and cached[0] is driver.dbapi_connection:
        cursor = cached[1]
    else:
        cursor = driver.cursor()
        driver.info["kaeru_direct_cursor"] = (driver.dbapi_connection, cursor)
    try:
        cursor.execute(sql, parameters)
        return cursor.fetchall() if returns_rows else []
    except connection.dialect.loaded_dbapi.Error as exc:
        driver.info.pop("kaeru_direct_cursor", None)
        lost = connection.dialect.is_disconnect(exc, driver.dbapi_connection, cursor)
        error = DBAPIError.instance(
            sql,
            parameters,
            exc,
            connection.dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=connection.dialect,
        )
        if lost:
            connection.invalidate(exc)
        raise error from exc


def run_deferred(connection: Connection) -> None:
    """Run the writes queued on this connection's transaction, in order.

    On PostgreSQL, writes to different tables go together as one statement. Two writes to one table go
    in separate statements: the parts of one statement run in no set order, and rows of one table must
    take their ids (an outbox's delivery order) in the order they were written."""
    queued: list[tuple[_DirectCompiled, Any]] | None = connection.info.pop(_DEFERRED, None)
    if not queued:
        return
    group: list[tuple[_DirectCompiled, Any]] = []
    for write in queued:
        compiled = write[0]
        apart = not (compiled.joinable and group and group[0][0].joinable)
        if group and (apart or any(c.table == compiled.table for c, _ in group)):
            _execute_together(connection, group)
            group = []
        group.append(write)
    _execute_together(connection, group)


def _execute_together(connection: Connection, group: list[tuple[_DirectCompiled, Any]]) -> None:
    if len(group) == 1:
        _execute(connection, group[0][0].sql, group[0][1], False)
        return
    key = tuple(compiled for compiled, _ in group)
    sql = _joined.get(key)
    if sql is None:
        parts = [
            _PLACEHOLDER.sub(lambda m, n=n: f"%(w{n}_{m.group(1)})s", compiled.sql)  # type: ignore[misc]
            for n, compiled in enumerate(key)
        ]
        sql = _joined[key] = (
            "WITH " + ", ".join(f"w{n} AS ({part})" for n, part in enumerate(parts[:-1])) + " " + parts[-1]
        )
    joined: dict[str, Any] = {}
    for n, (_, parameters) in enumerate(group):
        joined.update({f"w{n}_{name}": value for name, value in parameters.items()})
    _execute(connection, sql, joined, False)


def _run_deferred_writes(engine: Engine) -> None:
    """Run queued writes before any other statement of their transaction, before a savepoint begins and
    before the transaction commits; drop them when it rolls back, or rolls back to a savepoint (the
    queue was empty when the savepoint began, so all it holds was written inside it)."""
    _DEFERRING.add(engine.dialect)

    def _run_now(conn: Connection, *_args: Any) -> None:
        if conn.info.get(_DEFERRED):
            run_deferred(conn)

    # Before a statement (it may read what they write), a commit, and a savepoint (what is queued from
    # there on belongs to the savepoint).
    for name in ("before_cursor_execute", "commit", "savepoint"):
        event.listen(engine, name, _run_now)

    @event.listens_for(engine, "rollback_savepoint")
    def _rolled_back_to(conn: Connection, _name: str, _context: Any) -> None:
        conn.info.pop(_DEFERRED, None)  # all queued since the savepoint began (it began empty)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn: Connection) -> None:
        if not conn.invalidated:  # an invalidated one is dropped with what it held
            conn.info.pop(_DEFERRED, None)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info.pop(_DEFERRED, None)
