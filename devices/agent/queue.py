"""The station agent's durable queue: every device event, on disk, before anything else happens to it.

A SQLite file in WAL mode with `synchronous=FULL`: `put` returns only after the commit is fsync'd,
so an event the agent has acknowledged survives a crash, SIGKILL or power loss. SQLite rather than a
hand-written append-only journal because it already gives what the journal would need by hand:
atomic records (no torn last line to detect after a crash), settling an entry in place without
rewriting the file, an index to read the oldest pending events, safe access from the producer and
the sender threads at once, and a file any SQLite tool (and `kaeru agent status`) can inspect.

Entries are kept in acknowledgement order (`seq`, AUTOINCREMENT so a number is never reused). The
sender settles them as delivered or rejected; delivered entries are pruned later, rejected ones
are kept for the record. One agent at a time owns a queue file (an advisory lock beside it, freed
by the kernel however the agent ends), so two agents never send the same backlog.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devices.agent.model import Entry, EventKind, Settled

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    status INTEGER,
    answer TEXT NOT NULL DEFAULT '',
    settled_at TEXT
);
CREATE INDEX IF NOT EXISTS events_by_state ON events (state, seq);
"""


class QueueLocked(RuntimeError):
    """Another agent already owns this queue file."""


@dataclass(frozen=True)
class Recorded:
    """An entry with what became of it, for inspection."""

    entry: Entry
    state: str  # pending | delivered | rejected
    status: int | None
    answer: str


class DurableQueue:
    """An ordered, fsync'd queue of events in one SQLite file; safe to use from several threads."""

    def __init__(self, path: str | Path, *, owner: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None
        if owner:
            self._lock_fd = _take_lock(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: each commit fsyncs the WAL, so an acknowledged event survives power loss too.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except BaseException:
            self._release_lock()
            raise
        self._mutex = threading.Lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def close(self) -> None:
        with self._mutex:
            self._db.close()
        self._release_lock()

    def __enter__(self) -> DurableQueue:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, kind: EventKind, body: dict[str, Any], *, key: str | None = None) -> Entry:
        """Append an event; returns once it is on disk. Its idempotency key is made here, once."""
        key = key or str(uuid.uuid4())
        queued_at = datetime.now(UTC)
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO events (key, kind, body, queued_at) VALUES (?, ?, ?, ?)",
                (key, kind, text, queued_at.isoformat()),
            )
        return Entry(seq=int(cursor.lastrowid or 0), key=key, kind=kind, body=body, queued_at=queued_at)

    def put_many(self, events: Iterable[tuple[EventKind, dict[str, Any]]]) -> list[Entry]:
        """Append several events in one fsync'd commit (all or none), in the order given."""
        queued_at = datetime.now(UTC)
        rows = [
            (str(uuid.uuid4()), kind, json.dumps(body, separators=(",", ":"), ensure_ascii=False), body)
            for kind, body in events
        ]
        entries: list[Entry] = []
        with self._transaction() as db:
            for key, kind, text, body in rows:
                cursor = db.execute(
                    "INSERT INTO events (key, kind, body, queued_at) VALUES (?, ?, ?, ?)",
                    (key, kind, text, queued_at.isoformat()),
                )
                entries.append(Entry(int(cursor.lastrowid or 0), key, kind, body, queued_at))
        return entries

    def pending(self, limit: int = 500) -> list[Entry]:
        """The oldest events not yet answered, in the order they were acknowledged."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT seq, key, kind, body, queued_at FROM events WHERE state = 'pending' "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def settle(self, answers: Iterable[Settled]) -> None:
        """Record the server's final answers, all at once."""
        now = datetime.now(UTC).isoformat()
        rows = [(a.state, a.status, a.message, now, a.seq) for a in answers]
        if not rows:
            return
        with self._transaction() as db:
            db.executemany(
                "UPDATE events SET state = ?, status = ?, answer = ?, settled_at = ? "
                "WHERE seq = ? AND state = 'pending'",
                rows,
            )

    def count(self, state: str = "pending") -> int:
        with self._mutex:
            row = self._db.execute("SELECT count(*) FROM events WHERE state = ?", (state,)).fetchone()
        return int(row[0])

    def history(self, *, state: str | None = None, limit: int | None = None) -> list[Recorded]:
        """Every entry still in the file (oldest first), optionally of one state."""
        query = "SELECT seq, key, kind, body, queued_at, state, status, answer FROM events"
        params: list[Any] = []
        if state is not None:
            query += " WHERE state = ?"
            params.append(state)
        query += " ORDER BY seq"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._mutex:
            rows = self._db.execute(query, params).fetchall()
        return [Recorded(_entry(row[:5]), row[5], row[6], row[7]) for row in rows]

    def prune(self, *, keep_delivered: int = 10_000) -> int:
        """Forget all but the newest `keep_delivered` delivered entries; returns how many went."""
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM events WHERE state = 'delivered' AND seq NOT IN "
                "(SELECT seq FROM events WHERE state = 'delivered' ORDER BY seq DESC LIMIT ?)",
                (keep_delivered,),
            )
        return cursor.rowcount


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, key, kind, body, queued_at = row
    return Entry(
        seq=seq, key=key, kind=kind, body=json.loads(body), queued_at=datetime.fromisoformat(queued_at)
    )


def _take_lock(path: Path) -> int:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise QueueLocked(
            f"{path} is in use by another agent; run one agent per station (or give this one --queue)"
        ) from None
    return fd
