"""Transit-time distributions per carrier, service and lane, learned from delivered shipments.

A transit time is a count of the carrier's delivery days after the ship date, so weekends and holidays
move dates exactly. Lanes nest from coarse to fine:

    configured table (prior) -> carrier/service/origin region/destination country
      -> ... and season (peak or regular) -> ... and postal area -> ... and finer postal area

Each level is a Dirichlet-style posterior: its own counts plus pseudo-counts spread like its parent
(hierarchical additive smoothing, written here because it is a few lines over plain counts). Levels with
fewer than `min_observations` deliveries are not kept, so a thin lane answers from the coarser one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from wms.delivery.network import Destination, LanePrior, Learning, Network

LaneKey = tuple[str, ...]


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivered shipment: the fact transit times are learned from."""

    carrier: str
    service: str
    origin: str  # the shipping warehouse's region, e.g. "US-NJ"
    destination: Destination
    shipped_on: date
    delivered_on: date


@dataclass(frozen=True)
class TransitFit:
    """A transit-time distribution: pmf[k] = P(delivered on the k-th delivery day after shipping)."""

    pmf: tuple[float, ...]
    basis: str  # where the figures came from, for people reading an estimate
    observations: int  # deliveries behind the level used (0 for a configured table)


def prior_pmf(*, lane: LanePrior, max_days: int) -> tuple[float, ...]:
    """A configured [min, max] row as a distribution: 90% spread over the range, a 10% tail after it."""
    weights = [0.0] * (max_days + 1)
    span = lane.days_max - lane.days_min + 1
    for k in range(lane.days_min, lane.days_max + 1):
        weights[min(k, max_days)] += 0.9 / span
    for extra, share in ((1, 0.06), (2, 0.025), (3, 0.01), (5, 0.005)):
        weights[min(lane.days_max + extra, max_days)] += share
    return tuple(weights)


def _lane_chain(
    *, network: Network, carrier: str, service: str, origin: str, destination: Destination, season: str
) -> tuple[LanePrior | None, list[LaneKey]]:
    """The configured row for a shipment's lane and its lane keys, coarse to fine.

    The configured row's postal prefix is part of the lane, so an area the table treats apart (Okinawa,
    say) learns apart and leans on its own configured days, not the country's average.
    """
    lane = network.service(carrier=carrier, service=service).prior_for(
        origin=origin.split("-")[0], destination=destination
    )
    base = (carrier, service, origin, destination.country, lane.postal_prefix if lane else "")
    chain: list[LaneKey] = [base, (*base, season)]
    chain.extend((*base, season, prefix) for prefix in network.postal_prefixes(destination=destination))
    return lane, chain


def _describe(key: LaneKey) -> str:
    carrier, service, origin, country, zone, *rest = key
    text = f"{carrier}/{service} {origin}>{country}" + (f" zone {zone}*" if zone else "")
    if rest:
        text += f" {rest[0]}"
    if len(rest) > 1:
        text += f" postal {rest[1]}*"
    return text


def _smooth(counts: list[int], parent: tuple[float, ...], strength: float) -> tuple[float, ...]:
    total = sum(counts) + strength
    return tuple((c + strength * p) / total for c, p in zip(counts, parent, strict=True))


def _prior_fit(*, lane: LanePrior, carrier: str, service: str, max_days: int) -> TransitFit:
    where = f"{lane.origin}>{lane.destination}" + (
        f" postal {lane.postal_prefix}*" if lane.postal_prefix else ""
    )
    return TransitFit(
        pmf=prior_pmf(lane=lane, max_days=max_days),
        basis=f"configured {carrier}/{service} {where} {lane.days_min}-{lane.days_max} days",
        observations=0,
    )


@dataclass(frozen=True)
class TransitModel:
    """Learned transit distributions by lane, falling back to coarser lanes and then to configured tables."""

    network: Network
    fits: Mapping[LaneKey, TransitFit]
    records_used: int
    records_ignored: int

    def serves(self, *, carrier: str, service: str, origin: str, destination: Destination) -> bool:
        """Whether a service reaches a destination from an origin (configured, or seen in history)."""
        configured = self.network.service(carrier=carrier, service=service).prior_for(
            origin=origin.split("-")[0], destination=destination
        )
        return configured is not None or (carrier, service, origin, destination.country, "") in self.fits

    def fit(
        self, *, carrier: str, service: str, origin: str, destination: Destination, shipped_on: date
    ) -> TransitFit | None:
        """Transit distribution for a shipment leaving on `shipped_on`; None if not configured nor seen."""
        lane, chain = _lane_chain(
            network=self.network,
            carrier=carrier,
            service=service,
            origin=origin,
            destination=destination,
            season=self.network.season(day=shipped_on),
        )
        for key in reversed(chain):
            found = self.fits.get(key)
            if found is not None:
                return found
        if lane is None:
            return None
        return _prior_fit(
            lane=lane, carrier=carrier, service=service, max_days=self.network.learning.max_transit_days
        )


def observe(network: Network, record: DeliveryRecord) -> tuple[int, list[LaneKey]] | None:
    """A delivered record's transit days (capped) and the lane keys it counts toward, coarse to fine;
    None for a record that cannot be used (a service the network does not know, delivered before shipped)."""
    try:
        calendar = network.delivery_calendar(
            carrier=record.carrier, service=record.service, country=record.destination.country
        )
    except KeyError:
        return None
    if record.delivered_on < record.shipped_on:
        return None
    max_days = network.learning.max_transit_days
    days = min(calendar.open_days_between(record.shipped_on, record.delivered_on), max_days)
    _lane, chain = _lane_chain(
        network=network,
        carrier=record.carrier,
        service=record.service,
        origin=record.origin,
        destination=record.destination,
        season=network.season(day=record.shipped_on),
    )
    return days, chain


def _prior_of(network: Network, key: LaneKey) -> LanePrior | None:
    """The configured row behind a lane's coarsest key (its postal zone is part of the key)."""
    carrier, service, origin, country, zone = key[:5]
    try:
        configured = network.service(carrier=carrier, service=service)
    except KeyError:
        return None
    lane = configured.prior_for(origin=origin.split("-")[0], destination=Destination(country, zone))
    return lane if lane is not None and lane.postal_prefix == zone else None


def model_from_counts(
    *, network: Network, counts: Mapping[LaneKey, Sequence[int]], ignored: int = 0
) -> TransitModel:
    """The transit model from transit-day counts per lane key (each record counted at every key of its
    chain): what `learn_transit` computes, from counts kept elsewhere and added to as deliveries come."""
    max_days = network.learning.max_transit_days
    tally = _Tally(max_days, ignored=ignored)
    for key, observed in counts.items():
        row = [0] * (max_days + 1)
        for days, n in enumerate(observed):
            row[min(days, max_days)] += n
        tally.counts[key] = row
        if len(key) == 5:
            tally.used += sum(row)
            prior = _prior_of(network, key)
            if prior is not None:
                tally.priors[key] = prior
    return _model(network, tally)


@dataclass
class _Tally:
    """Transit days counted per lane key (and each lane's configured table), from delivered records."""

    max_days: int
    counts: dict[LaneKey, list[int]] = field(default_factory=dict)
    priors: dict[LaneKey, LanePrior] = field(default_factory=dict)
    used: int = 0
    ignored: int = 0

    def add(self, network: Network, record: DeliveryRecord) -> None:
        seen = observe(network, record)
        if seen is None:
            self.ignored += 1
            return
        days, chain = seen
        for key in chain:
            self.counts.setdefault(key, [0] * (self.max_days + 1))[days] += 1
        prior = _prior_of(network, chain[0])
        if prior is not None:
            self.priors[chain[0]] = prior
        self.used += 1


def _fit(key: LaneKey, tally: _Tally, fits: Mapping[LaneKey, TransitFit], learning: Learning) -> TransitFit:
    """A lane's distribution: its own counts, smoothed toward its nearest fitted ancestor or its table."""
    observed = tally.counts[key]
    n = sum(observed)
    parent_fit = _nearest_ancestor(fits, key)
    if parent_fit is not None:
        parent, strength = parent_fit.pmf, learning.backoff_pseudo_counts
    else:
        prior_lane = tally.priors.get(key)
        if prior_lane is None:
            return TransitFit(pmf=tuple(c / n for c in observed), basis=_describe(key), observations=n)
        parent = prior_pmf(lane=prior_lane, max_days=tally.max_days)
        strength = learning.prior_pseudo_counts
    return TransitFit(pmf=_smooth(observed, parent, strength), basis=_describe(key), observations=n)


def _model(network: Network, tally: _Tally) -> TransitModel:
    fits: dict[LaneKey, TransitFit] = {}
    # Coarse keys are shorter, so sorting by length smooths every parent before its children.
    for key in sorted(tally.counts, key=len):
        if sum(tally.counts[key]) >= network.learning.min_observations:
            fits[key] = _fit(key, tally, fits, network.learning)
    return TransitModel(network=network, fits=fits, records_used=tally.used, records_ignored=tally.ignored)


def learn_transit(*, network: Network, records: Iterable[DeliveryRecord]) -> TransitModel:
    """Learn transit distributions from delivered shipments (unknown services are counted, not used)."""
    tally = _Tally(network.learning.max_transit_days)
    for record in records:
        tally.add(network, record)
    return _model(network, tally)


def _nearest_ancestor(fits: Mapping[LaneKey, TransitFit], key: LaneKey) -> TransitFit | None:
    for length in range(len(key) - 1, 4, -1):
        found = fits.get(key[:length])
        if found is not None:
            return found
    return None
