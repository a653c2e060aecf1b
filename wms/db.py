"""Engines and transactions: SQLite (embedded default) and PostgreSQL, one transaction helper for both.

Writes on SQLite begin with BEGIN IMMEDIATE so that two writers never interleave a read and a
write of the same stock; on PostgreSQL they run at READ COMMITTED and take row locks where a
decision depends on what they read. Serialization failures, deadlocks and a busy SQLite are
retried a bounded number of times with jittered backoff.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

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


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # Pooled: opening a SQLite connection (and the checkpoint on closing it) costs more than a scan.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
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
                        time.sleep(random.uniform(0, 0.01 * 2**attempt))  # full jitter
                        continue
                    raise
        raise RuntimeError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
