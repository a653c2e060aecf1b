"""Waking relays as soon as an outbox row commits, instead of at their next poll.

In-process: a SQLAlchemy `after_commit` hook calls the `nudge` of every running relay that handles
a channel the transaction wrote for. Across processes on PostgreSQL: the committing transaction
itself sends `NOTIFY kaeru_outbox, '<channels>'` (delivered only if it commits), and each relay
LISTENs. SQLite has no cross-process signal; other processes poll. A floor's scans each write a
live event: the email relay is not woken by them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

import psycopg
from sqlalchemy import event
from sqlalchemy.orm import Session

from wms.platform.outbox import OUTBOX_WRITTEN
from wms.platform.tables import OutboxMessage

log = logging.getLogger(__name__)
CHANNEL = "kaeru_outbox"
_FLAG = OUTBOX_WRITTEN
Nudge = Callable[[], None]
_nudges: list[tuple[Nudge, frozenset[str] | None]] = []  # the running relays of this process, by channel
_installed = False


def _written(session: Session) -> set[str]:
    """The channels this session has written outbox rows for (Core inserts, and ORM rows not yet flushed)."""
    channels: set[str] = session.info.setdefault(_FLAG, set())
    channels.update(obj.channel for obj in session.new if isinstance(obj, OutboxMessage))
    return channels


def _after_flush(session: Session, _context: object) -> None:
    _written(session)


def _before_commit(session: Session) -> None:
    channels = _written(session)
    if not channels:
        return
    # A relay of this process is woken after the commit and delivers the row; other processes need
    # telling only for channels no relay here handles (a CLI, a server running without relays).
    # Sparing the NOTIFY matters: PostgreSQL commits notifying transactions one at a time.
    unhandled = sorted(c for c in channels if not any(_wants(wanted, (c,)) for _, wanted in _nudges))
    if unhandled and session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}, '{','.join(unhandled)}'")


def _wants(channels: frozenset[str] | None, written: Collection[str]) -> bool:
    return channels is None or not written or any(c in channels for c in written)


def _after_commit(session: Session) -> None:
    written = session.info.pop(_FLAG, None)
    if written:
        for nudge, channels in list(_nudges):
            if _wants(channels, written):
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


def register(nudge: Nudge, channels: Collection[str] | None = None) -> Callable[[], None]:
    """Call `nudge` after each local commit that wrote an outbox row for one of `channels` (None: any).

    Returns the unregister function."""
    install()
    entry = (nudge, frozenset(channels) if channels is not None else None)
    _nudges.append(entry)
    return lambda: _nudges.remove(entry) if entry in _nudges else None


async def listen_postgres(
    url: str, nudge: Nudge, *, channels: Collection[str] | None = None, retry_seconds: float = 2.0
) -> None:
    """LISTEN for outbox commits from other processes until cancelled; reconnects after errors."""
    wanted = frozenset(channels) if channels is not None else None
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                nudge()  # anything committed while we were not listening
                async for notice in conn.notifies():
                    if _wants(wanted, [c for c in notice.payload.split(",") if c]):
                        nudge()
        except psycopg.Error as exc:
            log.warning("outbox LISTEN connection lost (%s); polling until it is back", exc)
            await asyncio.sleep(retry_seconds)
