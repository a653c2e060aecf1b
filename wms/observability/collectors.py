"""What lives in the database, read when Prometheus scrapes: the outbox's backlog and dead letters per
channel, and the state of every device (printers by name).

Each scrape runs two short read-only statements under a 2-second statement timeout:
- the outbox: `state IN ('pending', 'dead')` grouped by state and channel, with the earliest
  `next_attempt_at` of the pending rows. Both are in ix_outbox_due (state, channel, next_attempt_at),
  so PostgreSQL answers from the index, walking only pending and dead rows however many delivered rows
  are kept. The age reported is how long the most overdue pending message has been due: a fresh message
  is due at once, so this is its age; a message waiting out its back-off is not overdue, a leased one
  neither (the lease moves it on).
- the devices: the device table (tens to hundreds of rows) joined to its warehouse.
A database that cannot answer makes `kaeru_metrics_database_up` 0 and leaves these metrics out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from wms.db import Database, utcnow
from wms.platform.outbox import CHANNELS

log = logging.getLogger(__name__)
SCRAPE_TIMEOUT_MS = 2000

_OUTBOX = text(
    "SELECT state, channel, count(*), min(next_attempt_at) FROM outboxmessage"
    " WHERE state IN ('pending', 'dead') GROUP BY state, channel"
)
_DEVICES = text(
    "SELECT w.code, d.code, d.kind, d.state FROM device d JOIN warehouse w ON w.id = d.warehouse_id"
)


class DatabaseCollector(Collector):
    """Outbox and device metrics of one database, queried at scrape time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "kaeru_metrics_database_up", "1 when the database answered this scrape's queries, else 0."
        )
        try:
            outbox, devices = self._read()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _outbox_metrics(outbox, utcnow())
        yield from _device_metrics(devices)

    def _read(self) -> tuple[list[tuple], list[tuple]]:
        with self.db.read() as session:
            if self.db.dialect == "postgresql":
                session.execute(text(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_MS}"))
            outbox = [tuple(row) for row in session.execute(_OUTBOX)]
            devices = [tuple(row) for row in session.execute(_DEVICES)]
        return outbox, devices


def _outbox_metrics(rows: list[tuple], now: datetime) -> Iterator[Metric]:
    backlog = GaugeMetricFamily(
        "kaeru_outbox_backlog",
        "Outbox messages waiting to be delivered (pending), by channel.",
        labels=["channel"],
    )
    age = GaugeMetricFamily(
        "kaeru_outbox_oldest_due_age_seconds",
        "How long the most overdue pending message of the channel has been due (0 when none is).",
        labels=["channel"],
    )
    dead = GaugeMetricFamily(
        "kaeru_outbox_dead", "Dead letters kept (gave up after their attempts, or refused), by channel.",
        labels=["channel"],
    )  # fmt: skip
    pending: dict[str, tuple[int, float]] = {}
    dead_by_channel: dict[str, int] = {}
    for state, channel, count, earliest in rows:
        if state == "pending":
            overdue = 0.0
            if earliest is not None:
                earliest = _aware(earliest)
                overdue = max(0.0, (now - earliest).total_seconds())
            pending[channel] = (int(count), overdue)
        else:
            dead_by_channel[channel] = int(count)
    for channel in sorted(set(CHANNELS) | set(pending) | set(dead_by_channel)):
        count, overdue = pending.get(channel, (0, 0.0))
        backlog.add_metric([channel], count)
        age.add_metric([channel], overdue)
        dead.add_metric([channel], dead_by_channel.get(channel, 0))
    yield from (backlog, age, dead)


def _aware(value: datetime | str) -> datetime:
    from datetime import UTC

    if isinstance(value, str):  # SQLite hands back text from a raw query
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _device_metrics(rows: list[tuple]) -> Iterator[Metric]:
    devices = GaugeMetricFamily(
        "kaeru_devices",
        "Devices by warehouse, kind and last reported state.",
        labels=["warehouse", "kind", "state"],
    )
    printers = GaugeMetricFamily(
        "kaeru_printer_up",
        "1 when the printer last reported itself connected, else 0.",
        labels=["warehouse", "printer", "state"],
    )
    counts: dict[tuple[str, str, str], int] = {}
    for warehouse, code, kind, state in rows:
        counts[(warehouse, kind, state)] = counts.get((warehouse, kind, state), 0) + 1
        if kind == "printer":
            printers.add_metric([warehouse, code, state], 1 if state == "connected" else 0)
    for labels, count in sorted(counts.items()):
        devices.add_metric(list(labels), count)
    yield from (devices, printers)
