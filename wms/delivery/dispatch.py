"""When the warehouse hands a parcel to the carrier: cut-off, handling days, pick backlog, pick-up days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from wms.delivery.calendars import BusinessCalendar
from wms.delivery.network import Warehouse

MAX_WAIT_DAYS = 366


@dataclass(frozen=True)
class Backlog:
    """The warehouse's open pick work at the moment of asking."""

    open_lines: int
    lines_per_hour: float  # measured throughput of the floor


def require_aware(*, moment: datetime, what: str) -> datetime:
    """Refuse a naive datetime: a cut-off is a local clock time and cannot be judged without a zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime (for example with tzinfo=UTC)")
    return moment


def backlog_days(*, warehouse: Warehouse, backlog: Backlog | None, extra_lines: int = 0) -> int:
    """Whole working days of pick work queued ahead of a new order (0 when it fits in today's shift)."""
    if backlog is None:
        return 0
    rate = backlog.lines_per_hour if backlog.lines_per_hour > 0 else warehouse.lines_per_hour
    per_day = rate * warehouse.shift_hours
    if per_day <= 0:
        raise ValueError(
            f"warehouse {warehouse.code} has no picking capacity (shift hours x lines per hour is 0)"
        )
    return int((max(backlog.open_lines, 0) + max(extra_lines, 0)) // per_day)


def first_working_day(*, warehouse: Warehouse, placed_at: datetime) -> date:
    """The day the warehouse starts an order: today if a working day before the cut-off, else the next one."""
    local = require_aware(moment=placed_at, what="the order time").astimezone(ZoneInfo(warehouse.timezone))
    today = local.date()
    calendar = warehouse.calendar
    if calendar.is_open(today) and local.time() < warehouse.cutoff:
        return today
    return calendar.shift(today, 1)


def plan_ship_date(
    *,
    warehouse: Warehouse,
    pickup: BusinessCalendar,
    placed_at: datetime,
    backlog: Backlog | None = None,
    extra_lines: int = 0,
) -> date:
    """The day the carrier collects an order placed at `placed_at` (a warehouse working and pick-up day)."""
    start = first_working_day(warehouse=warehouse, placed_at=placed_at)
    days = warehouse.handling_days + backlog_days(
        warehouse=warehouse, backlog=backlog, extra_lines=extra_lines
    )
    ready = warehouse.calendar.shift(start, days)
    # The parcel waits at the dock until a day the warehouse works and the carrier collects.
    for _ in range(MAX_WAIT_DAYS):
        if pickup.is_open(ready):
            return ready
        ready = warehouse.calendar.shift(ready, 1)
    raise ValueError(
        f"{pickup.name or 'the carrier'} never collects on a day warehouse {warehouse.code} works "
        "(checked a year ahead)"
    )
