"""The delivery network as configured: countries, warehouses, carriers, services and their transit tables.

Built from plain mappings (config/delivery.yaml parsed by `wms.delivery.config.load_network`, which owns
the file reading); every calendar a decision needs is built once here, so decisions only look values up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from wms.delivery.calendars import BusinessCalendar, weekdays_from_names

PEAK = "peak"
REGULAR = "regular"


def normalise_postal_code(*, code: str) -> str:
    """Postal code without spaces or hyphens, upper-cased ("100-0001" -> "1000001")."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes: ISO country code and postal code."""

    country: str
    postal_code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "postal_code", normalise_postal_code(code=self.postal_code))


@dataclass(frozen=True)
class Country:
    """A destination or origin country: its clock and how its postal codes nest into regions."""

    code: str
    timezone: str
    # Prefix lengths that name ever smaller areas, coarse to fine (US ZIP: 1 = region, 3 = sectional centre).
    postal_levels: tuple[int, ...] = (1, 3)
    holiday_categories: tuple[str, ...] = ("public",)


@dataclass(frozen=True)
class Warehouse:
    """A shipping site: where it is, when it stops taking today's orders, how long it takes to ship."""

    code: str
    region: str  # ISO 3166-2 style, e.g. "US-NJ": the origin of every lane from this site
    timezone: str
    cutoff: time
    handling_days: int
    calendar: BusinessCalendar
    shift_hours: float
    lines_per_hour: float  # used when no live throughput figure is given

    @property
    def country(self) -> str:
        """The warehouse's country code."""
        return self.region.split("-")[0]


@dataclass(frozen=True)
class LanePrior:
    """A configured transit-time table row: business days from an origin country to a destination area."""

    origin: str  # country code
    destination: str  # country code
    postal_prefix: str  # "" for the whole country
    days_min: int
    days_max: int


@dataclass(frozen=True)
class Service:
    """One carrier service (e.g. ground, next-day) with its own delivery weekdays and transit table."""

    carrier: str
    code: str
    name: str
    delivery_weekdays: frozenset[int]
    lanes: tuple[LanePrior, ...]

    def prior_for(self, *, origin: str, destination: Destination) -> LanePrior | None:
        """The configured row for a lane: the longest postal prefix that matches, or None if not served."""
        best: LanePrior | None = None
        for lane in self.lanes:
            if lane.origin != origin or lane.destination != destination.country:
                continue
            if not destination.postal_code.startswith(lane.postal_prefix):
                continue
            if best is None or len(lane.postal_prefix) > len(best.postal_prefix):
                best = lane
        return best


@dataclass(frozen=True)
class Carrier:
    """A carrier: the days it picks up and delivers, which holidays it keeps, and its services."""

    code: str
    name: str
    pickup_weekdays: frozenset[int]
    observe_holidays: bool
    only_holidays: tuple[str, ...]
    closed_month_days: frozenset[tuple[int, int]]
    exception_delay_days: int
    services: Mapping[str, Service]


@dataclass(frozen=True)
class Learning:
    """How much weight configured tables and coarser lanes carry against a lane's own history."""

    prior_pseudo_counts: float = 8.0
    backoff_pseudo_counts: float = 12.0
    min_observations: int = 5
    max_transit_days: int = 30


@dataclass(frozen=True)
class Network:
    """Everything configured about delivery; calendars are pre-built per (carrier, service, country)."""

    countries: Mapping[str, Country]
    warehouses: Mapping[str, Warehouse]
    carriers: Mapping[str, Carrier]
    confidence: float
    range_low: float
    range_high: float
    delay_notice_probability: float
    peak_months: frozenset[int]
    learning: Learning
    delivery_calendars: Mapping[tuple[str, str, str], BusinessCalendar] = field(repr=False)
    pickup_calendars: Mapping[tuple[str, str], BusinessCalendar] = field(repr=False)

    def service(self, *, carrier: str, service: str) -> Service:
        """The configured service, or KeyError naming what is missing."""
        if carrier not in self.carriers:
            raise KeyError(f"unknown carrier {carrier!r}")
        services = self.carriers[carrier].services
        if service not in services:
            raise KeyError(f"carrier {carrier!r} has no service {service!r}")
        return services[service]

    def delivery_calendar(self, *, carrier: str, service: str, country: str) -> BusinessCalendar:
        """The days a carrier's service delivers in a country."""
        try:
            return self.delivery_calendars[(carrier, service, country)]
        except KeyError:
            raise KeyError(f"{carrier}/{service} has no delivery calendar for country {country!r}") from None

    def pickup_calendar(self, *, carrier: str, country: str) -> BusinessCalendar:
        """The days a carrier collects parcels from warehouses in a country."""
        try:
            return self.pickup_calendars[(carrier, country)]
        except KeyError:
            raise KeyError(f"carrier {carrier!r} has no pick-up calendar for country {country!r}") from None

    def season(self, *, day: date) -> str:
        """Whether a ship date falls in the peak season (slower networks) or not."""
        return PEAK if day.month in self.peak_months else REGULAR

    def postal_prefixes(self, *, destination: Destination) -> tuple[str, ...]:
        """The destination's area prefixes, coarse to fine, as far as its postal code goes."""
        country = self.countries.get(destination.country)
        levels = country.postal_levels if country else (1, 3)
        code = destination.postal_code
        return tuple(code[:n] for n in levels if len(code) >= n)

    def timezone_of(self, *, country: str) -> str:
        """The clock used for 'today' at a destination country."""
        if country not in self.countries:
            raise KeyError(f"country {country!r} is not configured in delivery settings")
        return self.countries[country].timezone


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int):  # YAML 1.1 reads 16:00 unquoted as sexagesimal minutes
        return time(value // 60, value % 60)
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def _month_days(values: list[str] | None) -> frozenset[tuple[int, int]]:
    pairs = set()
    for value in values or []:
        month, day = str(value).split("-")
        pairs.add((int(month), int(day)))
    return frozenset(pairs)


def _holiday_rule(value: Any) -> tuple[bool, tuple[str, ...]]:
    """`holidays:` in config is "all", "none", or a list of holiday names the carrier keeps."""
    if value is None or value == "all":
        return True, ()
    if value == "none":
        return False, ()
    if isinstance(value, list) and value:
        return True, tuple(str(v) for v in value)
    raise ValueError(f"holidays must be 'all', 'none' or a non-empty list of holiday names, not {value!r}")


_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _countries(data: Mapping[str, Any]) -> dict[str, Country]:
    return {
        code: Country(
            code=code,
            timezone=str(spec["timezone"]),
            postal_levels=tuple(int(n) for n in spec.get("postal_levels", (1, 3))),
            holiday_categories=tuple(spec.get("holiday_categories", ("public",))),
        )
        for code, spec in (data.get("countries") or {}).items()
    }


def _warehouse(code: str, spec: Mapping[str, Any], countries: Mapping[str, Country]) -> Warehouse:
    region = str(spec["region"])
    country_code = region.split("-")[0]
    if country_code not in countries:
        raise ValueError(f"warehouse {code}: country {country_code!r} is not listed under countries")
    return Warehouse(
        code=code,
        region=region,
        timezone=str(spec.get("timezone", countries[country_code].timezone)),
        cutoff=_time(spec["cutoff"]),
        handling_days=int(spec.get("handling_days", 0)),
        calendar=BusinessCalendar(
            country=country_code,
            subdivision=spec.get("subdivision"),
            open_weekdays=weekdays_from_names(names=spec.get("working_days", _WEEKDAYS)),
            categories=countries[country_code].holiday_categories,
            closed_month_days=_month_days(spec.get("closed_days")),
            name=f"warehouse {code}",
        ),
        shift_hours=float(spec.get("shift_hours", 8)),
        lines_per_hour=float(spec.get("lines_per_hour", 100)),
    )


def _lane(carrier: str, service: str, lane: Mapping[str, Any]) -> LanePrior:
    days = lane["days"]
    low, high = (int(days), int(days)) if isinstance(days, int) else (int(days[0]), int(days[1]))
    if not 0 <= low <= high:
        raise ValueError(f"{carrier}/{service}: lane days must be [min, max] with 0 <= min <= max")
    return LanePrior(
        origin=str(lane["from"]),
        destination=str(lane["to"]),
        postal_prefix=str(lane.get("postal", "")),
        days_min=low,
        days_max=high,
    )


def _carrier(code: str, spec: Mapping[str, Any]) -> Carrier:
    observe, only = _holiday_rule(spec.get("holidays", "all"))
    delivery_days = spec.get("delivery_days", _WEEKDAYS)
    services = {
        service_code: Service(
            carrier=code,
            code=service_code,
            name=str(service_spec.get("name", service_code)),
            delivery_weekdays=weekdays_from_names(names=service_spec.get("delivery_days", delivery_days)),
            lanes=tuple(_lane(code, service_code, lane) for lane in service_spec.get("lanes") or []),
        )
        for service_code, service_spec in (spec.get("services") or {}).items()
    }
    return Carrier(
        code=code,
        name=str(spec.get("name", code)),
        pickup_weekdays=weekdays_from_names(names=spec.get("pickup_days", _WEEKDAYS)),
        observe_holidays=observe,
        only_holidays=only,
        closed_month_days=_month_days(spec.get("closed_days")),
        exception_delay_days=int(spec.get("exception_delay_days", 2)),
        services=services,
    )


def _carrier_calendar(
    carrier: Carrier, place: Country, weekdays: frozenset[int], name: str
) -> BusinessCalendar:
    return BusinessCalendar(
        country=place.code,
        open_weekdays=weekdays,
        observe_holidays=carrier.observe_holidays,
        only_holidays=carrier.only_holidays,
        categories=place.holiday_categories,
        closed_month_days=carrier.closed_month_days,
        name=name,
    )


def _calendars(
    carriers: Mapping[str, Carrier], countries: Mapping[str, Country]
) -> tuple[dict[tuple[str, str, str], BusinessCalendar], dict[tuple[str, str], BusinessCalendar]]:
    """Every carrier's pick-up calendar per country, and its services' delivery calendars per country."""
    delivery: dict[tuple[str, str, str], BusinessCalendar] = {}
    pickup: dict[tuple[str, str], BusinessCalendar] = {}
    for code, carrier in carriers.items():
        for place in countries.values():
            pickup[(code, place.code)] = _carrier_calendar(
                carrier, place, carrier.pickup_weekdays, f"{code} pick-up in {place.code}"
            )
            for service in carrier.services.values():
                delivery[(code, service.code, place.code)] = _carrier_calendar(
                    carrier,
                    place,
                    service.delivery_weekdays,
                    f"{code}/{service.code} delivery in {place.code}",
                )
    return delivery, pickup


def _learning(data: Mapping[str, Any]) -> Learning:
    spec = data.get("learning") or {}
    return Learning(
        prior_pseudo_counts=float(spec.get("prior_pseudo_counts", 8)),
        backoff_pseudo_counts=float(spec.get("backoff_pseudo_counts", 12)),
        min_observations=int(spec.get("min_observations", 5)),
        max_transit_days=int(spec.get("max_transit_days", 30)),
    )


def network_from_mapping(*, data: Mapping[str, Any]) -> Network:
    """Build the network from config/delivery.yaml's mapping, checking what a person could get wrong."""
    countries = _countries(data)
    warehouses = {
        code: _warehouse(code, spec, countries) for code, spec in (data.get("warehouses") or {}).items()
    }
    carriers = {code: _carrier(code, spec) for code, spec in (data.get("carriers") or {}).items()}
    delivery_calendars, pickup_calendars = _calendars(carriers, countries)
    range_low, range_high = (float(x) for x in data.get("range", (0.1, 0.9)))
    confidence = float(data.get("confidence", 0.9))
    for label, value in (("confidence", confidence), ("range low", range_low), ("range high", range_high)):
        if not 0 < value < 1:
            raise ValueError(f"{label} must be between 0 and 1 (exclusive), not {value}")
    return Network(
        countries=countries,
        warehouses=warehouses,
        carriers=carriers,
        confidence=confidence,
        range_low=range_low,
        range_high=range_high,
        delay_notice_probability=float(data.get("delay_notice_probability", 0.5)),
        peak_months=frozenset(int(m) for m in data.get("peak_months", (11, 12))),
        learning=_learning(data),
        delivery_calendars=delivery_calendars,
        pickup_calendars=pickup_calendars,
    )
