"""Business calendars: the days a warehouse works, a carrier picks up, or a carrier delivers, in one country.

Public holidays come from the `holidays` package; weekdays, named holiday subsets and extra closed days
come from config/delivery.yaml. Pure values: a calendar is a frozen dataclass, holiday sets are cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONDAY_TO_FRIDAY = frozenset(range(5))
ONE_DAY = timedelta(days=1)


def weekdays_from_names(*, names: list[str] | tuple[str, ...]) -> frozenset[int]:
    """Turn weekday names such as ["mon", "sat"] into date.weekday() numbers."""
    numbers = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in WEEKDAY_NAMES:
            raise ValueError(f"unknown weekday {name!r}: use one of {', '.join(WEEKDAY_NAMES)}")
        numbers.add(WEEKDAY_NAMES.index(key))
    return frozenset(numbers)


@lru_cache(maxsize=512)
def holiday_dates(
    *, country: str, subdivision: str | None, categories: tuple[str, ...], names: tuple[str, ...], year: int
) -> frozenset[date]:
    """One country's public holidays in a year; with `names`, only those whose English name contains one."""
    language = "en_US" if "en_US" in holidays.list_localized_countries().get(country, ()) else None
    found = holidays.country_holidays(
        country, subdiv=subdivision, years=year, categories=categories, language=language
    )
    if not names:
        return frozenset(found)
    wanted = tuple(name.lower() for name in names)
    return frozenset(day for day, title in found.items() if any(w in title.lower() for w in wanted))


@dataclass(frozen=True)
class BusinessCalendar:
    """Open days in one country: open weekdays minus (some or all) public holidays and extra closed days."""

    country: str
    open_weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    observe_holidays: bool = True
    # When non-empty, only the holidays whose English name contains one of these are closed days
    # (a US parcel carrier that works on Columbus Day but not on Thanksgiving).
    only_holidays: tuple[str, ...] = ()
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)
    # Closed every year on these (month, day) pairs, e.g. a Japanese warehouse's year-end break.
    closed_month_days: frozenset[tuple[int, int]] = frozenset()
    closed_dates: frozenset[date] = frozenset()
    name: str = field(default="", compare=False)
    # Holiday sets by year, filled on first use (a memo of a pure function, not state).
    _years: dict[int, frozenset[date]] = field(default_factory=dict, init=False, compare=False, repr=False)
    _days: dict[date, bool] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.open_weekdays:
            raise ValueError(f"calendar {self.name or self.country} has no open weekday")

    def holidays_in(self, *, year: int) -> frozenset[date]:
        """The public holidays this calendar closes on in one year."""
        found = self._years.get(year)
        if found is None:
            found = (
                holiday_dates(
                    country=self.country,
                    subdivision=self.subdivision,
                    categories=self.categories,
                    names=self.only_holidays,
                    year=year,
                )
                if self.observe_holidays
                else frozenset()
            )
            self._years[year] = found
        return found

    def is_open(self, day: date) -> bool:
        """Whether work (pick-up, delivery, shipping) happens on this day."""
        known = self._days.get(day)
        if known is None:
            known = (
                day.weekday() in self.open_weekdays
                and day not in self.closed_dates
                and (day.month, day.day) not in self.closed_month_days
                and day not in self.holidays_in(year=day.year)
            )
            self._days[day] = known
        return known

    def next_open(self, day: date) -> date:
        """The first open day on or after `day`."""
        while not self.is_open(day):
            day += ONE_DAY
        return day

    def shift(self, day: date, days: int) -> date:
        """The `days`-th open day after `day`; with 0, `day` itself if open, else the next open day."""
        if days < 0:
            raise ValueError("cannot shift a date by a negative number of business days")
        if days == 0:
            return self.next_open(day)
        while days:
            day += ONE_DAY
            if self.is_open(day):
                days -= 1
        return day

    def open_days_between(self, start: date, end: date) -> int:
        """How many open days d there are with start < d <= end (0 when end <= start)."""
        count = 0
        day = start + ONE_DAY
        while day <= end:
            if self.is_open(day):
                count += 1
            day += ONE_DAY
        return count
