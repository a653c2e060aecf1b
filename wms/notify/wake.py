"""Waking relays as soon as an outbox row commits, instead of at their next poll.

In-process: a SQLAlchemy `after_commit` hook calls every running relay's `nudge`. Across processes
on PostgreSQL: the committing transaction itself sends `NOTIFY kaeru_outbox` (delivered only if it
commits), and each relay LISTENs. SQLite has no cross-process signal; other processes poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import event
from sqlalchemy.orm import Session

from wms.platform.outbox import OUTBOX_WRITTEN
from wms.platform.tables import OutboxMessage

log = logging.getLogger(__name__)
CHANNEL = "kaeru_outbox"
_FLAG = OUTBOX_WRITTEN
_nudges: list[Callable[[], None]] = []  # the running relays of this process
_installed = False


def _has_outbox(session: Session) -> bool:
    return any(isinstance(obj, OutboxMessage) for obj in session.new)


def _after_flush(session: Session, _context: object) -> None:
    if _has_outbox(session):
        session.info[_FLAG] = True


def _before_commit(session: Session) -> None:
    if not (session.info.get(_FLAG) or _has_outbox(session)):
        return
    session.info[_FLAG] = True
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}")


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        for nudge in list(_nudges):
            nudge()


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def install() -> None:
    """Hook every session of this process (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True


def register(nudge: Callable[[], None]) -> Callable[[], None]:
    """Call `nudge` after each local commit that wrote an outbox row; returns the unregister function."""
    install()
    _nudges.append(nudge)
    return lambda: _nudges.remove(nudge) if nudge in _nudges else None


async def listen_postgres(url: str, nudge: Callable[[], None], *, retry_seconds: float = 2.0) -> None:
    """LISTEN for outbox commits from other processes until cancelled; reconnects after errors."""
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                nudge()  # anything committed while we were not listening
                async for _ in conn.notifies():
                    nudge()
        except psycopg.Error as exc:
            log.warning("outbox LISTEN connection lost (%s); polling until it is back", exc)
            await asyncio.sleep(retry_seconds)
