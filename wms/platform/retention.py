"""Retention: the maintenance job that deletes what the policy no longer keeps (config/retention.yaml,
wms/platform/model.py), in short batches, on SQLite and PostgreSQL alike.

Each batch is one transaction of at most `batch_size` rows, so the job never holds locks a scan or
a request waits on for long. Raw scans are counted into `scan_day` in the same transaction that
deletes them: a batch either moves into the daily counts and goes, or stays as it was. On PostgreSQL
the batch's rows are taken FOR UPDATE SKIP LOCKED, so two jobs run at once (the command beside the
background task) share the work instead of counting a scan twice.

What it never touches: the stock ledger, money movements, and outbox messages not delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from kaeru_config.site import load_model
from wms.db import Database, utcnow
from wms.platform.model import Cutoffs, RetentionPolicy, ScanFact, cutoffs, daily_counts
from wms.platform.tables import AuditEntry, IdempotencyRecord, OutboxMessage, ScanDay, ScanRecord

log = logging.getLogger(__name__)
FILE_NAME = "retention.yaml"
POLICY_KEY = "platform.retention"
_day = ScanDay.__table__  # type: ignore[attr-defined]
_scan = ScanRecord.__table__  # type: ignore[attr-defined]


def load_policy(config_dir: Path) -> RetentionPolicy:
    """config/retention.yaml (the defaults when there is none); a bad file refuses start-up."""
    path = config_dir / FILE_NAME
    return load_model(path, RetentionPolicy) if path.exists() else RetentionPolicy()


def _delete_batch(session: Session, table: Any, where: Any, batch: int) -> int:
    ids = select(table.id).where(where).order_by(table.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    found = list(session.execute(ids).scalars())
    if not found:
        return 0
    session.execute(delete(table).where(col(table.id).in_(found)))
    return len(found)


def _roll_up_batch(session: Session, cutoff: datetime, batch: int) -> int:
    """Count one batch of old scans into scan_day and delete them, in the caller's transaction."""
    rows: Select[Any] = (
        select(
            _scan.c.id, _scan.c.warehouse_id, _scan.c.received_at, _scan.c.kind, _scan.c.mode, _scan.c.outcome
        )
        .where(_scan.c.received_at < cutoff)
        .order_by(_scan.c.id)
        .limit(batch)
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        rows = rows.with_for_update(skip_locked=True)
    found = session.execute(rows).all()
    if not found:
        return 0
    counts = daily_counts(ScanFact(r[1], r[2], r[3], r[4], r[5]) for r in found)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for (warehouse_id, day, kind, mode, outcome), count in sorted(counts.items()):
        statement = insert(_day).values(
            warehouse_id=warehouse_id, day=day, kind=kind, mode=mode, outcome=outcome, count=count
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["warehouse_id", "day", "kind", "mode", "outcome"],
                set_={"count": _day.c.count + statement.excluded.count},
            )
        )
    session.execute(delete(ScanRecord).where(col(ScanRecord.id).in_([r[0] for r in found])))
    return len(found)


def _steps(limits: Cutoffs, batch: int) -> dict[str, Callable[[Session], int]]:
    """One batch of each kind of record, as a function of the transaction it runs in."""
    return {
        "idempotency_keys": lambda s: _delete_batch(
            s, IdempotencyRecord, col(IdempotencyRecord.created_at) < limits.idempotency_keys, batch
        ),
        "scan_records": lambda s: _roll_up_batch(s, limits.scan_records, batch),
        "audit": lambda s: _delete_batch(s, AuditEntry, col(AuditEntry.at) < limits.audit, batch),
        "outbox_delivered": lambda s: _delete_batch(
            s,
            OutboxMessage,
            (col(OutboxMessage.state) == "delivered")
            & (col(OutboxMessage.delivered_at) < limits.outbox_delivered),
            batch,
        ),
    }


def prune(
    db: Database,
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
    max_batches: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Delete everything the policy no longer keeps; how many rows of each kind went."""
    limits = cutoffs(policy, now or utcnow())
    removed: dict[str, int] = {}
    for name, step in _steps(limits, policy.batch_size).items():
        removed[name] = 0
        batches = 0
        while not stop() and (max_batches is None or batches < max_batches):
            count = db.write(step)
            removed[name] += count
            batches += 1
            if count < policy.batch_size:
                break
    log.info("retention removed %s", removed)
    return removed
