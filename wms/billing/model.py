"""Billing days from counted rows: pure, no I/O.

Storage is charged in unit-days: the units a merchant had in the building at the end of each day,
from the ledger's running balance (a receipt or return adds units, a shipment or disposal removes
them; moves inside the building change nothing).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

# The figures of a billing day, in the order the CSV prints them.
COUNTS = (
    "units_received",
    "orders_shipped",
    "cartons_shipped",
    "lines_picked",
    "units_picked",
    "returns_processed",
    "labels_printed",
    "storage_unit_days",
)


@dataclass
class BillingDay:
    merchant: str
    day: date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    # "grade/disposition" -> units graded that day
    returns_by_grade: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "merchant": self.merchant,
            "day": self.day.isoformat(),
            **self.counts,
            "returns_by_grade": dict(sorted(self.returns_by_grade.items())),
        }


def days_between(since: date, until: date) -> list[date]:
    """Every day from `since` up to, not including, `until`."""
    return [since + timedelta(days=n) for n in range((until - since).days)]


def bill(
    merchants: list[str],
    since: date,
    until: date,
    counted: dict[tuple[str, date, str], int],
    graded: dict[tuple[str, date, str], int],
    opening_units: dict[str, int],
    unit_changes: dict[tuple[str, date], int],
) -> list[BillingDay]:
    """One BillingDay per merchant and day of [since, until).

    `counted`: (merchant, day, figure) -> count; `graded`: (merchant, day, "grade/disposition") -> units;
    `opening_units`: units in the building before `since`; `unit_changes`: (merchant, day) -> units in
    minus units out that day."""
    days = days_between(since, until)
    by_grade: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for (merchant, day, key), units in graded.items():
        by_grade[(merchant, day)][key] = units
    found = []
    for merchant in merchants:
        balance = opening_units.get(merchant, 0)
        for day in days:
            record = BillingDay(merchant, day)
            for figure in COUNTS:
                record.counts[figure] = counted.get((merchant, day, figure), 0)
            balance += unit_changes.get((merchant, day), 0)
            record.counts["storage_unit_days"] = max(balance, 0)
            record.returns_by_grade = by_grade.get((merchant, day), {})
            record.counts["returns_processed"] = sum(record.returns_by_grade.values())
            found.append(record)
    return found
