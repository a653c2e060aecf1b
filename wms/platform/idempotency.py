"""Exactly-once effects for retrying clients (docs/architecture.md, "Idempotency").

A keyed request runs in one transaction that looks the key up, does the work and stores the
response with it, so the effect and the record of it commit together — or neither does. A replay
returns the stored response; the same key with another body is 422. A key whose first request is
still running is 409: within a server process an in-flight table says so before any database
work; across processes PostgreSQL's transaction-scoped advisory lock on the key does, and should
two requests still race past both, the unique (client, key) index lets only one commit — the other
rolls back its work and replays the winner's response. A crashed request leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from wms.db import Database, Direct, utcnow
from wms.error_status import status_of
from wms.errors import Conflict, Invalid, KaeruError
from wms.platform.tables import IdempotencyRecord

MAX_KEY_LENGTH = 200
Outcome = tuple[int, dict[str, Any]]
Work = Callable[[Session], Outcome]
STILL_RUNNING = "a request with this Idempotency-Key is still being processed; retry shortly"

_table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_LOOKUP = Direct(
    select(_table.c.request_hash, _table.c.status_code, _table.c.response).where(
        _table.c.client == bindparam("client"), _table.c.key == bindparam("key")
    )
)
# PostgreSQL: the key's advisory lock and its stored record in one round trip.
_LOOKUP_LOCKED = Direct(
    select(
        func.pg_try_advisory_xact_lock(func.hashtextextended(bindparam("lock"), literal(0))).label("free"),
        select(_table.c.request_hash)
        .where(_table.c.client == bindparam("client"), _table.c.key == bindparam("key"))
        .scalar_subquery()
        .label("request_hash"),
    )
)
_STORE = Direct(
    insert(_table), keys=("client", "key", "request_hash", "state", "status_code", "response", "created_at")
)

_with_ahead: dict[int, Direct] = {}  # the locked look-up joined with a work's look-ahead, per look-ahead


class Ahead:
    """A one-row query the work will run first, sent with the key's look-up on PostgreSQL (one round trip
    fewer); `row` is its answer once the key turned out new, else None and the work asks itself."""

    def __init__(self, statement: Direct, params: dict[str, Any]) -> None:
        self.statement, self.params = statement, params
        self.row: tuple[Any, ...] | None = None


def _locked_with(ahead: Ahead) -> Direct:
    joined = _with_ahead.get(id(ahead.statement))
    if joined is None:
        columns = [*_LOOKUP_LOCKED.statement.selected_columns, *ahead.statement.statement.selected_columns]
        joined = _with_ahead[id(ahead.statement)] = Direct(select(*columns))
    return joined


_in_flight: set[tuple[int, str, str]] = set()
_in_flight_lock = threading.Lock()


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str | None) -> str:
    if not key or not key.strip():
        raise Invalid(
            "an Idempotency-Key header is required for this request (any unique string per request)"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(
            "Idempotency-Key is longer than {MAX_KEY_LENGTH} characters", MAX_KEY_LENGTH=MAX_KEY_LENGTH
        )
    return key.strip()


def _replay_or_refuse(
    request_hash_stored: str, status_code: int | None, response: Any, digest: str
) -> Outcome:
    if request_hash_stored != digest:
        raise Invalid("this Idempotency-Key was already used with a different request body")
    return status_code or 200, response or {}


def _stored(
    connection: Connection, client: str, key: str, digest: str, ahead: Ahead | None = None
) -> Outcome | None:
    """The outcome stored for this key, if any; on PostgreSQL also takes the key's advisory lock (and
    runs the work's look-ahead in the same statement)."""
    params = {"client": client, "key": key}
    if connection.dialect.name == "postgresql":
        locked_params = {**params, "lock": f"{client}\x1f{key}"}
        if ahead is None:
            locked = _LOOKUP_LOCKED.first(connection, locked_params)
        else:
            locked = _locked_with(ahead).first(connection, {**ahead.params, **locked_params})
        if locked is None:  # a SELECT without FROM answers exactly one row; none is a broken statement
            raise RuntimeError(f"the look-up of idempotency key {key!r} answered no row")
        free, stored_hash = locked[:2]
        if ahead is not None and free and stored_hash is None:
            ahead.row = tuple(locked[2:])
        if not free:
            raise Conflict(STILL_RUNNING)
        if stored_hash is None:
            return None
    row = _LOOKUP.first(connection, params)
    if row is None:
        return None
    stored_hash, status_code, response = row
    return _replay_or_refuse(stored_hash, status_code, response, digest)


def _store(connection: Connection, client: str, key: str, digest: str, outcome: Outcome) -> None:
    _STORE.defer(  # sent with the transaction's other appends; a twin's duplicate key fails it at commit
        connection,
        {
            "client": client,
            "key": key,
            "request_hash": digest,
            "state": "done",
            "status_code": outcome[0],
            "response": outcome[1],
            "created_at": utcnow(),
        },
    )


def run_once(
    db: Database,
    *,
    client: str,
    key: str,
    body: Any,
    work: Work,
    ahead: Ahead | None = None,
) -> Outcome:
    """Run `work` at most once per (client, key); later calls with the same body get its outcome."""
    key = check_key(key)
    digest = request_hash(body)
    slot = (id(db), client, key)
    with _in_flight_lock:
        if slot in _in_flight:
            raise Conflict(STILL_RUNNING)
        _in_flight.add(slot)
    try:
        return _run(db, client, key, digest, work, ahead)
    finally:
        with _in_flight_lock:
            _in_flight.discard(slot)


def _run(db: Database, client: str, key: str, digest: str, work: Work, ahead: Ahead | None) -> Outcome:
    def once(session: Session) -> Outcome:
        connection = session.connection()
        if ahead is not None:
            ahead.row = None  # a retried transaction asks again
        stored = _stored(connection, client, key, digest, ahead)
        if stored is not None:
            return stored
        outcome = work(session)
        session.flush()
        _store(connection, client, key, digest, outcome)
        return outcome

    for attempt in range(2):
        try:
            return db.write(once)
        except IntegrityError:
            if attempt:
                raise  # the work's own constraint, not a racing twin of this key
            continue  # another process stored this key first: its outcome is the answer
        except KaeruError as exc:
            if status_of(exc) in (409, 429):
                raise  # nothing was decided: the client may retry the same key
            _remember_refusal(db, client, key, digest, (status_of(exc), exc.body()))
            raise
    raise RuntimeError("unreachable")


def _remember_refusal(db: Database, client: str, key: str, digest: str, refusal: Outcome) -> None:
    """A refusal is a final answer: a retry gets the same one."""
    with contextlib.suppress(IntegrityError):  # a twin request stored its answer first
        db.write(lambda s: _store(s.connection(), client, key, digest, refusal))


def run_batch(
    session: Session, *, client: str, items: list[tuple[str, Any]], work: Callable[[Session, int], Outcome]
) -> list[tuple[Outcome, bool]]:
    """Apply many keyed requests inside one transaction (offline replay). Returns (outcome, replayed)."""
    keys = [check_key(k) for k, _ in items]
    connection = session.connection()
    existing = {
        row.key: row
        for row in connection.execute(
            select(_table.c.key, _table.c.request_hash, _table.c.status_code, _table.c.response).where(
                _table.c.client == client, col(_table.c.key).in_(set(keys))
            )
        )
    }
    results: list[tuple[Outcome, bool]] = []
    seen: dict[str, Outcome] = {}
    for index, (key, body) in enumerate(zip(keys, (b for _, b in items), strict=True)):
        digest = request_hash(body)
        row = existing.get(key)
        if row is not None:
            results.append((_replay_or_refuse(row.request_hash, row.status_code, row.response, digest), True))
            continue
        if key in seen:
            results.append((seen[key], True))
            continue
        try:
            with session.begin_nested():
                outcome = work(session, index)
        except KaeruError as exc:
            outcome = (status_of(exc), exc.body())
        session.flush()
        _store(connection, client, key, digest, outcome)
        seen[key] = outcome
        results.append((outcome, False))
    return results
