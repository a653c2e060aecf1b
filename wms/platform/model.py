"""What is kept and for how long (docs/architecture.md, "Retention"): the policy and the cut-off moments
it gives, and the daily counts raw scans are rolled up into before they go. No I/O here.

The ledger, money movements and outbox rows not yet delivered are kept forever: the policy has no
setting for them, so no configuration can remove them.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field


class RetentionPolicy(BaseModel):
    """config/retention.yaml: how long each kind of record is kept, and how the maintenance job runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_keys_days: int = Field(default=7, ge=1)  # a device replays a queue kept offline this long
    scan_records_months: int = Field(default=3, ge=1)  # raw scans; their daily counts are kept forever
    audit_years: int = Field(default=2, ge=1)
    outbox_delivered_days: int = Field(default=7, ge=1)  # delivered messages only; undelivered stay
    batch_size: int = Field(default=5000, ge=1, le=100_000)  # rows per short transaction
    every_minutes: float = Field(default=60, gt=0)  # how often the background job runs
    first_after_seconds: float = Field(default=60, ge=0)  # after a server starts


@dataclass(frozen=True)
class Cutoffs:
    """Records older than these moments may go."""

    idempotency_keys: datetime
    scan_records: datetime
    audit: datetime
    outbox_delivered: datetime


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoffs(policy: RetentionPolicy, now: datetime) -> Cutoffs:
    return Cutoffs(
        idempotency_keys=now - timedelta(days=policy.idempotency_keys_days),
        scan_records=months_before(now, policy.scan_records_months),
        audit=months_before(now, 12 * policy.audit_years),
        outbox_delivered=now - timedelta(days=policy.outbox_delivered_days),
    )


DayKey = tuple[int, date, str, str, str]  # warehouse, day (UTC), kind, mode, outcome


@dataclass(frozen=True)
class ScanFact:
    """What a raw scan leaves behind in the daily counts."""

    warehouse_id: int
    received_at: datetime
    kind: str
    mode: str
    outcome: str


def daily_counts(scans: Iterable[ScanFact]) -> Counter[DayKey]:
    """Scans counted per warehouse, UTC day, kind, mode and outcome."""
    return Counter((s.warehouse_id, s.received_at.date(), s.kind, s.mode, s.outcome) for s in scans)
