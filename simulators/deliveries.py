"""Simulated delivery history: orders, ship dates and carrier tracking events with realistic effects.

Seeded and deterministic. The world it simulates has its own "true" transit times per lane, different
from the configured tables in config/delivery.yaml (as real networks differ from published tables):
distance zones, carrier and service speed, rural postal areas, Friday pick-ups waiting over the weekend,
surges after public holidays (US, JP, UA), Japan's Obon and year-end, a slower peak season
(mid-November to December), warehouse backlogs, late ship days, carrier exceptions and a long tail.
Carriers' working days and holidays come from the network, so no parcel arrives on a day its
carrier does not deliver.

    python -m simulators.deliveries --count 20000 --seed 7 > deliveries.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from wms.delivery.calendars import holiday_dates
from wms.delivery.config import load_network
from wms.delivery.dispatch import Backlog, plan_ship_date
from wms.delivery.model import DELIVERED, EXCEPTION, IN_TRANSIT, OUT_FOR_DELIVERY, TrackingUpdate
from wms.delivery.network import Destination, Network
from wms.delivery.transit import DeliveryRecord

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "delivery.yaml"
INTERNATIONAL = 5


@dataclass(frozen=True)
class SimulatedDelivery:
    """One simulated order from placement to delivery, with what the warehouse knew when it was placed."""

    order_number: str
    warehouse: str
    origin: str
    placed_at: datetime
    backlog: Backlog
    cart_lines: int
    carrier: str
    service: str
    destination: Destination
    shipped_on: date
    delivered_on: date
    events: tuple[TrackingUpdate, ...]

    def record(self) -> DeliveryRecord:
        """The delivered-shipment fact the transit model learns from."""
        return DeliveryRecord(
            carrier=self.carrier,
            service=self.service,
            origin=self.origin,
            destination=self.destination,
            shipped_on=self.shipped_on,
            delivered_on=self.delivered_on,
        )

    def as_json(self) -> dict[str, object]:
        """A JSON-ready mapping (dates and times as ISO 8601)."""
        return {
            "order_number": self.order_number,
            "warehouse": self.warehouse,
            "origin": self.origin,
            "placed_at": self.placed_at.isoformat(),
            "backlog": {"open_lines": self.backlog.open_lines, "lines_per_hour": self.backlog.lines_per_hour},
            "cart_lines": self.cart_lines,
            "carrier": self.carrier,
            "service": self.service,
            "destination": {"country": self.destination.country, "postal_code": self.destination.postal_code},
            "shipped_on": self.shipped_on.isoformat(),
            "delivered_on": self.delivered_on.isoformat(),
            "events": [{"kind": e.kind, "at": e.at.isoformat(), "location": e.location} for e in self.events],
        }


@dataclass(frozen=True)
class ServiceTruth:
    """How a service really performs in the simulated world."""

    base_by_zone: tuple[int, int, int, int, int]  # business days for zones 1..5 (5 = international)
    jitter: tuple[tuple[int, float], ...]  # (extra days, probability) on an ordinary day
    tail_rate: float  # chance of a long delay (lost in a hub, customs)
    exception_rate: float


TRUTH: dict[tuple[str, str], ServiceTruth] = {
    ("ups", "ground"): ServiceTruth((1, 2, 3, 4, 5), ((1, 0.16), (2, 0.04)), 0.008, 0.008),
    ("ups", "next_day_air"): ServiceTruth((1, 1, 1, 1, 1), ((1, 0.04),), 0.003, 0.004),
    ("ups", "worldwide_expedited"): ServiceTruth((3, 3, 3, 3, 4), ((1, 0.25), (2, 0.1)), 0.02, 0.02),
    ("usps", "ground_advantage"): ServiceTruth(
        (2, 2, 3, 4, 5), ((1, 0.22), (2, 0.08), (3, 0.02)), 0.015, 0.01
    ),
    ("usps", "priority_mail_international"): ServiceTruth((8, 8, 8, 8, 8), ((1, 0.3), (3, 0.15)), 0.04, 0.03),
    ("fedex", "home_delivery"): ServiceTruth((1, 2, 3, 4, 5), ((1, 0.12), (2, 0.03)), 0.008, 0.008),
    ("fedex", "two_day"): ServiceTruth((2, 2, 2, 2, 2), ((1, 0.05),), 0.004, 0.005),
    ("yamato", "takkyubin"): ServiceTruth((1, 1, 2, 3, 3), ((1, 0.06),), 0.004, 0.004),
    ("sagawa", "hikyaku"): ServiceTruth((1, 2, 2, 3, 3), ((1, 0.12), (2, 0.03)), 0.006, 0.006),
    ("japan_post", "ems"): ServiceTruth((4, 4, 4, 4, 4), ((1, 0.3), (2, 0.12)), 0.03, 0.02),
    ("nova_poshta", "warehouse_warehouse"): ServiceTruth(
        (1, 1, 2, 2, 2), ((1, 0.12), (2, 0.03)), 0.008, 0.006
    ),
    ("ukrposhta", "standard"): ServiceTruth((2, 3, 4, 4, 4), ((1, 0.25), (2, 0.1), (3, 0.03)), 0.02, 0.012),
    ("ukrposhta", "international"): ServiceTruth((10, 10, 10, 10, 10), ((2, 0.3), (4, 0.15)), 0.05, 0.03),
}

# Which services each warehouse books, domestic and abroad, with their shares.
BOOKINGS: dict[str, dict[str, tuple[tuple[str, str, float], ...]]] = {
    "us-nj": {
        "US": (
            ("ups", "ground", 0.38),
            ("usps", "ground_advantage", 0.32),
            ("fedex", "home_delivery", 0.18),
            ("ups", "next_day_air", 0.06),
            ("fedex", "two_day", 0.06),
        ),
        "JP": (("usps", "priority_mail_international", 0.6), ("ups", "worldwide_expedited", 0.4)),
        "UA": (("usps", "priority_mail_international", 0.7), ("ups", "worldwide_expedited", 0.3)),
    },
    "jp-kanto": {
        "JP": (("yamato", "takkyubin", 0.65), ("sagawa", "hikyaku", 0.35)),
        "US": (("japan_post", "ems", 1.0),),
        "UA": (("japan_post", "ems", 1.0),),
    },
    "ua-kyiv": {
        "UA": (("nova_poshta", "warehouse_warehouse", 0.72), ("ukrposhta", "standard", 0.28)),
        "US": (("ukrposhta", "international", 1.0),),
        "JP": (("ukrposhta", "international", 1.0),),
    },
}
WAREHOUSE_SHARE = (("us-nj", 0.58), ("jp-kanto", 0.27), ("ua-kyiv", 0.15))
CROSS_BORDER_SHARE = 0.07

# First postal digit(s) -> (population weight, distance zone from the warehouse in that country).
US_AREAS = {
    "0": (0.06, 1), "1": (0.10, 1), "2": (0.10, 2), "3": (0.13, 3), "4": (0.09, 2),
    "5": (0.05, 3), "6": (0.08, 3), "7": (0.12, 4), "8": (0.08, 4), "9": (0.19, 5),
}  # fmt: skip
# From Tokyo: Kanto 1-3, Chubu/Kansai 4-6, Tohoku/Hokuriku 91-99, west 7-8, Hokkaido 0, Okinawa 90.
JP_AREAS = {
    "1": (0.20, 1), "2": (0.15, 1), "3": (0.12, 1), "4": (0.10, 2), "5": (0.12, 2), "6": (0.10, 2),
    "7": (0.06, 3), "8": (0.08, 3), "91": (0.03, 2), "0": (0.03, 3), "90": (0.01, 4),
}  # fmt: skip
# From Kyiv, by oblast code; the south and east (near the front line) also see more long delays.
UA_AREAS = {
    "01": (0.10, 1), "02": (0.06, 1), "03": (0.05, 1), "08": (0.04, 1), "10": (0.03, 2), "14": (0.03, 2),
    "18": (0.03, 2), "21": (0.04, 2), "29": (0.03, 2), "36": (0.04, 2), "46": (0.03, 2), "79": (0.09, 2),
    "76": (0.03, 2), "88": (0.03, 3), "49": (0.08, 2), "54": (0.03, 3), "61": (0.07, 3), "65": (0.09, 3),
    "69": (0.04, 3), "73": (0.02, 3),
}  # fmt: skip
UA_FRONTLINE = frozenset({"61", "69", "73", "54"})
AREAS = {"US": (US_AREAS, 5), "JP": (JP_AREAS, 7), "UA": (UA_AREAS, 5)}


@dataclass(frozen=True)
class _Areas:
    """A country's sectional postal areas with cumulative population weights, built once per run."""

    sections: tuple[str, ...]
    cumulative: tuple[float, ...]
    zones: tuple[int, ...]
    length: int


def _areas(country: str) -> _Areas:
    regions, length = AREAS[country]
    sections, weights, zones = [], [], []
    for prefix, (share, zone) in regions.items():
        pad = 3 - len(prefix)
        # Twenty sectional areas per region, a few much busier than the rest (Zipf-like shares).
        names = sorted({f"{prefix}{k * (10**pad) // 20:0{pad}d}" if pad else prefix for k in range(20)})
        harmonic = sum(1 / (i + 1) for i in range(len(names)))
        for i, name in enumerate(names):
            sections.append(name)
            weights.append(share / (i + 1) / harmonic)
            zones.append(zone)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return _Areas(tuple(sections), tuple(cumulative), tuple(zones), length)


def _postal_code(rng: random.Random, areas: _Areas) -> tuple[str, int, bool]:
    """A destination postal code, its distance zone, and whether its area is rural (slower last mile)."""
    index = bisect.bisect_left(areas.cumulative, rng.random() * areas.cumulative[-1])
    section = areas.sections[min(index, len(areas.sections) - 1)]
    code = section + "".join(str(rng.randrange(10)) for _ in range(areas.length - len(section)))
    return code, areas.zones[min(index, len(areas.sections) - 1)], int(section) % 7 == 3


def _placement_weights(start: date, days: int) -> list[float]:
    """Order volume per day: weekday pattern, growth, peak season and the Black Friday weekend."""
    weights = []
    for i in range(days):
        day = start + timedelta(days=i)
        weight = (1.1, 1.05, 1.0, 1.0, 0.95, 0.8, 0.9)[day.weekday()] * (1 + 0.3 * i / days)
        if day.month == 11 or (day.month == 12 and day.day <= 20):
            weight *= 1.8
        thanksgiving = _thanksgiving(day.year)
        if thanksgiving + timedelta(days=1) <= day <= thanksgiving + timedelta(days=4):
            weight *= 3.0
        weights.append(weight)
    return weights


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _in_peak(day: date) -> float:
    """How hard the peak season presses on carriers on a ship date (0 outside it)."""
    if (day.month == 11 and day.day >= 15) or (day.month == 12 and day.day <= 24):
        return 1.0 if day.month == 12 else 0.6
    return 0.25 if day.month == 12 else 0.0


def _backlog_load(rng: random.Random, day: date, carry: float) -> float:
    """The next day's open work as a share of a day's picking capacity (AR(1), peaking in season)."""
    target = 0.35 + 0.9 * _in_peak(day) + (0.6 if day.weekday() == 0 else 0.0)
    return max(0.0, 0.6 * carry + 0.4 * target + rng.gauss(0, 0.18))


def _holiday_near(country: str, start: date, span: int) -> bool:
    """Whether a public holiday (including ones kept as working days) falls in a shipment's transit window."""
    for offset in range(span + 1):
        day = start + timedelta(days=offset)
        for categories in (("public",), ("workday",)) if country == "UA" else (("public",),):
            if day in holiday_dates(
                country=country, subdivision=None, categories=categories, names=(), year=day.year
            ):
                return True
    return False


def _transit_days(  # noqa: C901 - predates the complexity limit
    rng: random.Random, truth: ServiceTruth, zone: int, rural: bool, frontline: bool, ship: date, country: str
) -> tuple[int, bool]:
    """Business days in transit and whether the carrier reports an exception on the way."""
    days = truth.base_by_zone[zone - 1]
    for extra, chance in truth.jitter:
        if rng.random() < chance:
            days += extra
            break
    if rural and rng.random() < 0.5:
        days += 1
    if ship.weekday() == 4 and rng.random() < 0.12:  # Friday pick-ups wait for Monday's sort
        days += 1
    if _holiday_near(country, ship, days + 3) and rng.random() < 0.25:  # the surge after a holiday
        days += 1
    if country == "JP" and ((ship.month == 8 and 10 <= ship.day <= 16) or (ship.month, ship.day) >= (12, 26)):
        days += 1 if rng.random() < 0.4 else 0  # Obon and the year-end rush
    pressure = _in_peak(ship)
    if pressure:
        roll = rng.random()
        days += 2 if roll < 0.1 * pressure else 1 if roll < 0.45 * pressure else 0
    if frontline and rng.random() < 0.08:
        days += rng.randint(1, 4)
    if rng.random() < truth.tail_rate:
        days += rng.randint(3, 12)
    exception = rng.random() < truth.exception_rate
    if exception:
        days += rng.randint(1, 4)
    if days > 1 and rng.random() < 0.03:
        days -= 1
    return max(days, 1), exception


def _events(
    rng: random.Random, network: Network, carrier: str, service: str, origin_tz: ZoneInfo, dest_tz: ZoneInfo,
    country: str, ship: date, delivered: date, exception: bool,
) -> tuple[TrackingUpdate, ...]:  # fmt: skip
    calendar = network.delivery_calendar(carrier=carrier, service=service, country=country)
    events = [
        TrackingUpdate(
            kind=IN_TRANSIT,
            at=datetime.combine(ship, time(17 + rng.randrange(3), rng.randrange(60)), origin_tz).astimezone(
                UTC
            ),
            location="picked up at the warehouse",
        )
    ]
    middle = []
    day = ship + timedelta(days=1)
    while day < delivered:
        if calendar.is_open(day) or rng.random() < 0.3:
            middle.append(day)
        day += timedelta(days=1)
    exception_day = rng.choice(middle) if exception and middle else None

    def after_last(moment: datetime) -> datetime:
        # A cross-border parcel's first hub scan, in the destination's clock, may fall before its pick-up.
        return max(moment.astimezone(UTC), events[-1].at + timedelta(minutes=30 + rng.randrange(240)))

    for day in middle:
        if day == exception_day:
            at = datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)), dest_tz)
            events.append(TrackingUpdate(kind=EXCEPTION, at=after_last(at), location="carrier hub"))
        elif rng.random() < 0.6:
            at = datetime.combine(day, time(1 + rng.randrange(22), rng.randrange(60)), dest_tz)
            events.append(TrackingUpdate(kind=IN_TRANSIT, at=after_last(at), location="carrier hub"))
    out = after_last(datetime.combine(delivered, time(7 + rng.randrange(3), rng.randrange(60)), dest_tz))
    done = out + timedelta(minutes=60 + rng.randrange(600))
    events.append(TrackingUpdate(kind=OUT_FOR_DELIVERY, at=out, location="local depot"))
    events.append(TrackingUpdate(kind=DELIVERED, at=done, location="front door"))
    return tuple(events)


def simulate_deliveries(
    *, network: Network, count: int = 24_000, seed: int = 7, start: date = date(2023, 1, 1), days: int = 731
) -> list[SimulatedDelivery]:
    """Simulate `count` delivered orders placed between `start` and `start + days`, oldest first."""
    rng = random.Random(seed)
    placed_days = sorted(rng.choices(range(days), weights=_placement_weights(start, days), k=count))
    loads: dict[str, dict[date, float]] = {}
    for code in network.warehouses:
        carry = 0.3
        per_day = {}
        for offset in range(days + 1):
            day = start + timedelta(days=offset)
            carry = _backlog_load(rng, day, carry)
            per_day[day] = carry
        loads[code] = per_day
    areas = {country: _areas(country) for country in AREAS}
    deliveries = []
    for offset in placed_days:
        code = rng.choices([w for w, _ in WAREHOUSE_SHARE], weights=[s for _, s in WAREHOUSE_SHARE])[0]
        site = network.warehouses[code]
        origin_tz = ZoneInfo(site.timezone)
        hour = rng.choices(
            range(24), weights=[1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3]
        )[0]
        placed_local = datetime.combine(
            start + timedelta(days=offset), time(hour, rng.randrange(60)), origin_tz
        )
        country = site.country
        if rng.random() < CROSS_BORDER_SHARE:
            country = rng.choice([c for c in BOOKINGS[code] if c != site.country])
        options = BOOKINGS[code][country]
        carrier, service, _ = rng.choices(options, weights=[w for _, _, w in options])[0]
        postal, zone, rural = _postal_code(rng, areas[country])
        if country != site.country:
            zone = INTERNATIONAL
        destination = Destination(country=country, postal_code=postal)
        capacity = site.lines_per_hour * site.shift_hours
        load = loads[code][placed_local.date()]
        measured_rate = site.lines_per_hour * rng.uniform(0.85, 1.1)
        backlog = Backlog(open_lines=int(load * capacity), lines_per_hour=round(measured_rate, 1))
        cart_lines = rng.choices((1, 2, 3, 4, 6), weights=(50, 25, 12, 8, 5))[0]
        # The floor's real pace differs from the measured one; a few orders slip a day (shorts, relabels).
        true_backlog = Backlog(
            open_lines=backlog.open_lines, lines_per_hour=site.lines_per_hour * rng.uniform(0.8, 1.15)
        )
        pickup = network.pickup_calendar(carrier=carrier, country=site.country)
        ship = plan_ship_date(
            warehouse=site,
            pickup=pickup,
            placed_at=placed_local,
            backlog=true_backlog,
            extra_lines=cart_lines,
        )
        if rng.random() < 0.03:
            ship = plan_ship_date(
                warehouse=site, pickup=pickup, placed_at=datetime.combine(ship, time(23, 59), origin_tz)
            )
        transit, exception = _transit_days(
            rng,
            TRUTH[(carrier, service)],
            zone,
            rural,
            country == "UA" and postal[:2] in UA_FRONTLINE,
            ship,
            country,
        )
        calendar = network.delivery_calendar(carrier=carrier, service=service, country=country)
        delivered = calendar.shift(ship, transit)
        dest_tz = ZoneInfo(network.timezone_of(country=country))
        deliveries.append(
            SimulatedDelivery(
                order_number="",
                warehouse=code,
                origin=site.region,
                placed_at=placed_local.astimezone(UTC),
                backlog=backlog,
                cart_lines=cart_lines,
                carrier=carrier,
                service=service,
                destination=destination,
                shipped_on=ship,
                delivered_on=delivered,
                events=_events(
                    rng, network, carrier, service, origin_tz, dest_tz, country, ship, delivered, exception
                ),
            )
        )
    # Orders were drawn day by day; within a day, and across warehouses' clocks, put them in time order.
    deliveries.sort(key=lambda parcel: parcel.placed_at)
    return [replace(parcel, order_number=f"ORD-{n:06d}") for n, parcel in enumerate(deliveries, start=1)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print simulated deliveries as JSON lines."""
    parser = argparse.ArgumentParser(description="Simulate a delivery history as JSON lines.")
    parser.add_argument("--count", type=int, default=24_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    args = parser.parse_args(argv)
    network = load_network(path=args.config)
    for delivery in simulate_deliveries(network=network, count=args.count, seed=args.seed):
        sys.stdout.write(json.dumps(delivery.as_json(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
