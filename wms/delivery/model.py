"""Estimated delivery dates: for a cart, an order, or a shipment after each tracking event; and whether a
shipment will miss its promised date. Pure decisions over plain values.

Every answer is first an `Outlook` — a distribution over the carrier's delivery days — and an
`Estimate` reads a date at a chosen confidence and a range from it, so estimates are monotone in the
confidence and always fall on days the carrier delivers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from wms.delivery.calendars import BusinessCalendar
from wms.delivery.dispatch import Backlog, plan_ship_date, require_aware
from wms.delivery.network import Destination, Network, Warehouse
from wms.delivery.transit import TransitFit, TransitModel


class ParcelState(StrEnum):
    """Where a parcel is, as an outlook sees it; the carrier's event kinds are the last four."""

    ORDERED = "ordered"  # not yet handed to the carrier
    AWAITING_PICKUP = "awaiting_pickup"  # shipped in Kaeru, no carrier scan yet
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    EXCEPTION = "exception"
    DELIVERED = "delivered"


# An outlook's state is worked out afresh from the events each time (never stored and moved), so the
# states need no Lifecycle; the names below are the ones callers already import.
ORDERED = ParcelState.ORDERED
AWAITING_PICKUP = ParcelState.AWAITING_PICKUP
IN_TRANSIT = ParcelState.IN_TRANSIT
OUT_FOR_DELIVERY = ParcelState.OUT_FOR_DELIVERY
EXCEPTION = ParcelState.EXCEPTION
DELIVERED = ParcelState.DELIVERED
EVENT_KINDS = frozenset({IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION})

# Share of the remaining probability kept by each next delivery day once a parcel is older than any
# transit time seen for its lane ("it will most likely come soon, but we no longer know").
OVERDUE_DECAY = 0.5
OVERDUE_SPAN = 10
_EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class TrackingUpdate:
    """One carrier tracking event as the delivery model needs it."""

    kind: str  # in_transit | out_for_delivery | delivered | exception
    at: datetime
    location: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(
                f"unknown tracking event kind {self.kind!r}: use one of {', '.join(sorted(EVENT_KINDS))}"
            )
        require_aware(moment=self.at, what="a tracking event time")


@dataclass(frozen=True)
class Outlook:
    """Where a parcel may arrive: pmf[n] is the chance it is delivered on calendar.shift(anchor, n)."""

    carrier: str
    service: str
    state: ParcelState
    anchor: date
    calendar: BusinessCalendar
    pmf: tuple[float, ...]
    ship_date: date | None
    as_of: date | None  # the destination's date the outlook was computed for
    basis: str
    observations: int

    def day(self, n: int) -> date:
        """The n-th possible delivery day."""
        return self.calendar.shift(self.anchor, n)

    def quantile(self, confidence: float) -> date:
        """The first delivery day by which the parcel arrives with at least this probability."""
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1 (exclusive), not {confidence}")
        cumulative = 0.0
        last = 0
        for n, p in enumerate(self.pmf):
            if p <= 0:
                continue
            cumulative += p
            last = n
            if cumulative >= confidence - 1e-9:
                return self.day(n)
        return self.day(last)

    def probability_after(self, day: date) -> float:
        """The chance the parcel is delivered after `day`."""
        on_or_before = self.calendar.open_days_between(self.anchor, day) if day >= self.anchor else -1
        late = sum(self.pmf[max(on_or_before + 1, 1) :])
        if self.pmf and self.day(0) > day:
            late += self.pmf[0]
        return min(max(late, 0.0), 1.0)


@dataclass(frozen=True)
class Estimate:
    """A delivery date at a confidence, with the range around it, and where the figures came from."""

    carrier: str
    service: str
    on: date
    earliest: date
    latest: date
    confidence: float
    ship_date: date | None
    state: ParcelState
    basis: str
    observations: int


@dataclass(frozen=True)
class DelayVerdict:
    """Whether to tell the shopper now that a parcel will be late, how likely that is, and why."""

    late: bool
    probability: float  # that delivery falls after the promised date
    reason: str  # on_track | delivered | promised_date_passed | carrier_exception | not_yet_shipped
    #             | awaiting_carrier_scan | slow_in_transit
    expected_on: date


def _warehouse(network: Network, code: str) -> Warehouse:
    if code not in network.warehouses:
        raise KeyError(f"unknown warehouse {code!r}")
    return network.warehouses[code]


def _first_index_on_or_after(calendar: BusinessCalendar, anchor: date, day: date) -> int:
    """The smallest n with calendar.shift(anchor, n) >= day."""
    if day <= anchor:
        return 0
    return calendar.open_days_between(anchor, day - timedelta(days=1)) + 1


def _condition(pmf: tuple[float, ...], first: int) -> tuple[float, ...]:
    """The distribution given that delivery happens at index `first` or later."""
    rest = sum(pmf[first:])
    if rest > 1e-9:
        return (0.0,) * min(first, len(pmf)) + tuple(p / rest for p in pmf[first:])
    # Older than anything seen on this lane: spread the remaining chance over the next few days.
    tail = [OVERDUE_DECAY**k for k in range(OVERDUE_SPAN)]
    total = sum(tail)
    return (0.0,) * first + tuple(w / total for w in tail)


def _fit_or_refuse(
    *,
    transit: TransitModel,
    carrier: str,
    service: str,
    origin: str,
    destination: Destination,
    shipped_on: date,
) -> TransitFit:
    fit = transit.fit(
        carrier=carrier, service=service, origin=origin, destination=destination, shipped_on=shipped_on
    )
    if fit is None:
        raise ValueError(
            f"{carrier}/{service} has no transit table or history from {origin} to "
            f"{destination.country} {destination.postal_code}".rstrip()
        )
    return fit


def outlook_for_order(
    *,
    network: Network,
    transit: TransitModel,
    warehouse: str,
    carrier: str,
    service: str,
    destination: Destination,
    placed_at: datetime,
    backlog: Backlog | None = None,
    extra_lines: int = 0,
    now: datetime | None = None,
) -> Outlook:
    """Delivery outlook for an order not yet handed to the carrier (a cart is an order placed now)."""
    site = _warehouse(network, warehouse)
    pickup = network.pickup_calendar(carrier=carrier, country=site.country)
    network.service(carrier=carrier, service=service)
    ship = plan_ship_date(
        warehouse=site, pickup=pickup, placed_at=placed_at, backlog=backlog, extra_lines=extra_lines
    )
    if now is not None and now > placed_at:
        # Still not shipped at `now`: it cannot leave before the next pick-up the warehouse can make from now.
        ship = max(ship, plan_ship_date(warehouse=site, pickup=pickup, placed_at=now))
    fit = _fit_or_refuse(
        transit=transit,
        carrier=carrier,
        service=service,
        origin=site.region,
        destination=destination,
        shipped_on=ship,
    )
    as_of = (
        None
        if now is None
        else now.astimezone(ZoneInfo(network.timezone_of(country=destination.country))).date()
    )
    return Outlook(
        carrier=carrier,
        service=service,
        state=ORDERED,
        anchor=ship,
        calendar=network.delivery_calendar(carrier=carrier, service=service, country=destination.country),
        pmf=fit.pmf,
        ship_date=ship,
        as_of=as_of,
        basis=fit.basis,
        observations=fit.observations,
    )


@dataclass(frozen=True)
class _Shipped:
    """What every outlook of one shipment shares: its service, its ship date and the day it is judged on."""

    carrier: str
    service: str
    shipped_on: date
    today: date

    def outlook(
        self,
        state: ParcelState,
        anchor: date,
        calendar: BusinessCalendar,
        pmf: tuple[float, ...],
        *,
        basis: str,
        observations: int = 0,
    ) -> Outlook:
        return Outlook(
            carrier=self.carrier,
            service=self.service,
            state=state,
            anchor=anchor,
            calendar=calendar,
            pmf=pmf,
            ship_date=self.shipped_on,
            as_of=self.today,
            basis=basis,
            observations=observations,
        )


def _moving(
    network: Network,
    shipped: _Shipped,
    calendar: BusinessCalendar,
    fit: TransitFit,
    last: TrackingUpdate,
    zone: ZoneInfo,
) -> Outlook:
    """In transit since the carrier's last scan (delayed further after an exception)."""
    last_day = last.at.astimezone(zone).date()
    first = _first_index_on_or_after(calendar, shipped.shipped_on, max(shipped.today, last_day))
    pmf = _condition(fit.pmf, first)
    if last.kind != EXCEPTION:
        return shipped.outlook(
            IN_TRANSIT, shipped.shipped_on, calendar, pmf, basis=fit.basis, observations=fit.observations
        )
    delay = network.carriers[shipped.carrier].exception_delay_days
    return shipped.outlook(
        EXCEPTION,
        shipped.shipped_on,
        calendar,
        (0.0,) * delay + pmf,
        basis=f"{fit.basis}; carrier exception adds {delay} delivery days",
        observations=fit.observations,
    )


def outlook_for_shipment(
    *,
    network: Network,
    transit: TransitModel,
    warehouse: str,
    carrier: str,
    service: str,
    destination: Destination,
    shipped_on: date,
    events: Sequence[TrackingUpdate],
    now: datetime,
) -> Outlook:
    """Delivery outlook for a shipment, recomputed from its tracking events as of `now`."""
    site = _warehouse(network, warehouse)
    zone = ZoneInfo(network.timezone_of(country=destination.country))
    today = require_aware(moment=now, what="now").astimezone(zone).date()
    calendar = network.delivery_calendar(carrier=carrier, service=service, country=destination.country)
    ordered = sorted(events, key=lambda event: event.at)
    delivered = next((e for e in ordered if e.kind == DELIVERED), None)
    shipped = _Shipped(carrier, service, shipped_on, today)
    if delivered is not None:
        # A delivered parcel arrived when it arrived, even on a day the carrier does not usually deliver.
        every_day = BusinessCalendar(
            country=destination.country, open_weekdays=_EVERY_DAY, observe_holidays=False
        )
        day = delivered.at.astimezone(zone).date()
        return shipped.outlook(DELIVERED, day, every_day, (1.0,), basis="delivered scan")
    last = ordered[-1] if ordered else None
    if last is not None and last.kind == OUT_FOR_DELIVERY and last.at.astimezone(zone).date() == today:
        return shipped.outlook(OUT_FOR_DELIVERY, today, calendar, (1.0,), basis="out for delivery today")
    fit = _fit_or_refuse(
        transit=transit,
        carrier=carrier,
        service=service,
        origin=site.region,
        destination=destination,
        shipped_on=shipped_on,
    )
    if last is not None:
        return _moving(network, shipped, calendar, fit, last, zone)
    # No carrier scan yet: the parcel is still at the dock; transit starts at the next pick-up from today.
    pickup = network.pickup_calendar(carrier=carrier, country=site.country)
    anchor = pickup.next_open(max(shipped_on, today))
    return shipped.outlook(
        AWAITING_PICKUP, anchor, calendar, fit.pmf, basis=fit.basis, observations=fit.observations
    )


def estimate(*, network: Network, outlook: Outlook, confidence: float | None = None) -> Estimate:
    """Read a delivery date at a confidence (default: the network's) and its range off an outlook."""
    level = network.confidence if confidence is None else confidence
    return Estimate(
        carrier=outlook.carrier,
        service=outlook.service,
        on=outlook.quantile(level),
        # The range always contains the estimate, even at a confidence above its upper quantile.
        earliest=outlook.quantile(min(network.range_low, level)),
        latest=outlook.quantile(max(network.range_high, level)),
        confidence=level,
        ship_date=outlook.ship_date,
        state=outlook.state,
        basis=outlook.basis,
        observations=outlook.observations,
    )


def estimate_for_cart(
    *,
    network: Network,
    transit: TransitModel,
    warehouse: str,
    destination: Destination,
    placed_at: datetime,
    backlog: Backlog | None = None,
    cart_lines: int = 1,
    confidence: float | None = None,
    services: Iterable[tuple[str, str]] | None = None,
) -> tuple[Estimate, ...]:
    """Delivery estimates for a cart ordered now, one per service serving the destination, soonest first."""
    site = _warehouse(network, warehouse)
    wanted = (
        list(services)
        if services is not None
        else [(carrier.code, code) for carrier in network.carriers.values() for code in carrier.services]
    )
    answers = []
    for carrier, service in wanted:
        if not transit.serves(carrier=carrier, service=service, origin=site.region, destination=destination):
            continue
        outlook = outlook_for_order(
            network=network,
            transit=transit,
            warehouse=warehouse,
            carrier=carrier,
            service=service,
            destination=destination,
            placed_at=placed_at,
            backlog=backlog,
            extra_lines=cart_lines,
        )
        answers.append(estimate(network=network, outlook=outlook, confidence=confidence))
    return tuple(sorted(answers, key=lambda e: (e.on, e.latest, e.carrier, e.service)))


def published_estimate(
    *,
    network: Network,
    warehouse: str,
    carrier: str,
    service: str,
    destination: Destination,
    placed_at: datetime,
) -> Estimate:
    """What a shop without history promises: cut-off and handling, then the configured [min, max] days."""
    site = _warehouse(network, warehouse)
    lane = network.service(carrier=carrier, service=service).prior_for(
        origin=site.country, destination=destination
    )
    if lane is None:
        raise ValueError(
            f"{carrier}/{service} has no transit table from {site.country} to {destination.country}"
        )
    ship = plan_ship_date(
        warehouse=site,
        pickup=network.pickup_calendar(carrier=carrier, country=site.country),
        placed_at=placed_at,
    )
    calendar = network.delivery_calendar(carrier=carrier, service=service, country=destination.country)
    latest = calendar.shift(ship, lane.days_max)
    return Estimate(
        carrier=carrier,
        service=service,
        on=latest,
        earliest=calendar.shift(ship, lane.days_min),
        latest=latest,
        confidence=1.0,
        ship_date=ship,
        state=ORDERED,
        basis=f"configured {lane.days_min}-{lane.days_max} days",
        observations=0,
    )


def judge_delay(
    *, network: Network, outlook: Outlook, promised_on: date, threshold: float | None = None
) -> DelayVerdict:
    """Decide whether a parcel will miss its promised date, so the shopper can be told before they ask."""
    limit = network.delay_notice_probability if threshold is None else threshold
    expected = outlook.quantile(network.confidence)
    probability = outlook.probability_after(promised_on)
    if outlook.state == DELIVERED:
        return DelayVerdict(late=False, probability=probability, reason="delivered", expected_on=expected)
    if outlook.as_of is not None and outlook.as_of > promised_on:
        return DelayVerdict(late=True, probability=1.0, reason="promised_date_passed", expected_on=expected)
    if probability < limit:
        return DelayVerdict(late=False, probability=probability, reason="on_track", expected_on=expected)
    reasons = {
        EXCEPTION: "carrier_exception",
        ORDERED: "not_yet_shipped",
        AWAITING_PICKUP: "awaiting_carrier_scan",
        IN_TRANSIT: "slow_in_transit",
        OUT_FOR_DELIVERY: "promised_date_passed",
    }
    return DelayVerdict(
        late=True, probability=probability, reason=reasons[outlook.state], expected_on=expected
    )
