"""One process at a time: a leader for background work that must not run in every server process
(retention, learning delivery estimates).

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own, outside the
request pool. When its process dies, the kernel closes the socket, PostgreSQL ends the session and
the lock goes with it: the next process to ask becomes the leader. On SQLite there is one server
process, and it always leads.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import psycopg
from sqlalchemy.engine import make_url

from wms.db import Database

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _conninfo(db: Database) -> str:
    url = make_url(str(db.engine.url.render_as_string(hide_password=False))).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Leadership:
    """Whether this process leads the job named `name`; asked before each round of the job."""

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self.key = lock_key(name)
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def held(self) -> bool:
        """True if this process leads now: it kept the lock, or has just taken it."""
        if self.db.dialect != "postgresql":
            return True
        with self._lock:
            try:
                return self._keep_or_take()
            except psycopg.Error as exc:
                log.warning("leadership of %s lost: %s", self.name, exc)
                self._close()
                return False

    def _keep_or_take(self) -> bool:
        if self._conn is not None:
            # A query proves the session (and with it the lock) is still there.
            self._conn.execute("SELECT 1")
            return True
        conn = psycopg.connect(_conninfo(self.db), autocommit=True, application_name=f"kaeru {self.name}")
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if row is None or not row[0]:
            conn.close()
            return False
        self._conn = conn
        log.info("this process now leads %s", self.name)
        return True

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def release(self) -> None:
        """Let another process lead (closing the session drops the lock)."""
        with self._lock:
            self._close()
