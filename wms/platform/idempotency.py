"""Exactly-once effects for retrying clients (ARCHITECTURE rule 4).

A request with an Idempotency-Key first claims the key in a short transaction of its own; its work
then runs in a second transaction that also stores the response, so the effect and the record of
it commit together. A replay returns the stored response; the same key with another body is 422;
a key whose first request is still running is 409. A claim left behind by a crashed worker is
taken over after a lease.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wms.db import Database, utcnow
from wms.errors import Conflict, Invalid, KaeruError
from wms.platform.tables import IdempotencyRecord

LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 200
Outcome = tuple[int, dict[str, Any]]


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str | None) -> str:
    if not key or not key.strip():
        raise Invalid(
            "an Idempotency-Key header is required for this request (any unique string per request)"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")
    return key.strip()


def _replay_or_refuse(record: IdempotencyRecord, digest: str) -> Outcome | None:
    if record.request_hash != digest:
        raise Invalid("this Idempotency-Key was already used with a different request body")
    if record.state == "done":
        return record.status_code or 200, record.response or {}
    return None


def _claim(db: Database, client: str, key: str, digest: str) -> Outcome | int:
    """Claim the key: the claim's id, or the stored outcome when this is a replay."""

    def claim(session: Session) -> Outcome | int:
        existing = session.exec(
            select(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
        ).first()
        if existing is None:
            record = IdempotencyRecord(client=client, key=key, request_hash=digest)
            session.add(record)
            session.flush()
            return record.id or 0
        stored = _replay_or_refuse(existing, digest)
        if stored is not None:
            return stored
        if existing.created_at > utcnow() - LEASE:
            raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly")
        existing.created_at = utcnow()  # take over a claim its crashed owner left behind
        session.add(existing)
        return existing.id or 0

    for _ in range(3):
        try:
            return db.write(claim)
        except IntegrityError:
            continue  # another request inserted the same key at the same moment: read it
    raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly")


def _finish(session: Session, claim_id: int, outcome: Outcome) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim_id)  # type: ignore[arg-type]
        .values(state="done", status_code=outcome[0], response=outcome[1])
    )


def _release(db: Database, client: str, key: str) -> None:
    def release(session: Session) -> None:
        record = session.exec(
            select(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
        ).first()
        if record is not None and record.state == "in_flight":
            session.delete(record)

    db.write(release)


def run_once(
    db: Database, *, client: str, key: str, body: Any, work: Callable[[Session], Outcome]
) -> Outcome:
    """Run `work` at most once per (client, key); later calls with the same body get its outcome."""
    key = check_key(key)
    digest = request_hash(body)
    claimed = _claim(db, client, key, digest)
    if not isinstance(claimed, int):
        return claimed

    def effect(session: Session) -> Outcome:
        outcome = work(session)
        _finish(session, claimed, outcome)
        return outcome

    try:
        return db.write(effect)
    except KaeruError as exc:
        if exc.status_code in (409, 429):
            _release(db, client, key)
            raise
        outcome = (exc.status_code, exc.body())

        def remember(session: Session) -> None:
            _finish(session, claimed, outcome)

        db.write(remember)  # a refusal is a final answer: a retry gets the same one
        raise
    except BaseException:
        _release(db, client, key)
        raise


def run_batch(
    session: Session, *, client: str, items: list[tuple[str, Any]], work: Callable[[Session, int], Outcome]
) -> list[tuple[Outcome, bool]]:
    """Apply many keyed requests inside one transaction (offline replay). Returns (outcome, replayed)."""
    keys = [check_key(k) for k, _ in items]
    existing = {
        r.key: r
        for r in session.exec(
            select(IdempotencyRecord).where(
                IdempotencyRecord.client == client, col(IdempotencyRecord.key).in_(keys)
            )
        )
    }
    results: list[tuple[Outcome, bool]] = []
    seen: dict[str, Outcome] = {}
    for index, (key, body) in enumerate(zip(keys, (b for _, b in items), strict=True)):
        digest = request_hash(body)
        record = existing.get(key)
        if record is not None:
            stored = _replay_or_refuse(record, digest)
            if stored is None:
                raise Conflict(f"scan {key!r} is still being processed by another request; retry the batch")
            results.append((stored, True))
            continue
        if key in seen:
            results.append((seen[key], True))
            continue
        try:
            with session.begin_nested():
                outcome = work(session, index)
        except KaeruError as exc:
            outcome = (exc.status_code, exc.body())
        session.add(
            IdempotencyRecord(
                client=client,
                key=key,
                request_hash=digest,
                state="done",
                status_code=outcome[0],
                response=outcome[1],
            )
        )
        seen[key] = outcome
        results.append((outcome, False))
    return results
