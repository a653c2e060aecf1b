import random
from datetime import date, timedelta

from wms.delivery import DeliveryRecord, Destination, Network, TransitModel, learn_transit


def history(
    network: Network,
    *,
    postal_code: str,
    days: dict[int, float],
    count: int,
    seed: int,
    start: date = date(2024, 3, 4),
) -> list[DeliveryRecord]:
    """Ground parcels from New Jersey whose transit (business days) follows `days`, shipped on weekdays."""
    rng = random.Random(seed)
    calendar = network.delivery_calendar(carrier="parcelco", service="ground", country="US")
    records = []
    for i in range(count):
        shipped = calendar.shift(start + timedelta(days=i % 150), 0)
        transit = rng.choices(list(days), weights=list(days.values()))[0]
        records.append(
            DeliveryRecord(
                carrier="parcelco",
                service="ground",
                origin="US-NJ",
                destination=Destination(country="US", postal_code=postal_code),
                shipped_on=shipped,
                delivered_on=calendar.shift(shipped, transit),
            )
        )
    return records


def quantile_days(pmf: tuple[float, ...], confidence: float) -> int:
    cumulative = 0.0
    for days, p in enumerate(pmf):
        cumulative += p
        if cumulative >= confidence:
            return days
    return len(pmf) - 1


def on_time_share(model: TransitModel, records: list[DeliveryRecord], confidence: float) -> float:
    hits = 0
    for record in records:
        fit = model.fit(
            carrier=record.carrier,
            service=record.service,
            origin=record.origin,
            destination=record.destination,
            shipped_on=record.shipped_on,
        )
        assert fit is not None
        days = quantile_days(fit.pmf, confidence)
        calendar = model.network.delivery_calendar(carrier="parcelco", service="ground", country="US")
        hits += record.delivered_on <= calendar.shift(record.shipped_on, days)
    return hits / len(records)


SLOW_LANE = {5: 0.6, 6: 0.25, 7: 0.15}  # the table says 3 days; this lane really takes 5 to 7


def test_learning_from_rich_history_beats_the_configured_table(
    network: Network, prior_only: TransitModel
) -> None:
    train = history(network, postal_code="94105", days=SLOW_LANE, count=400, seed=1)
    test = history(network, postal_code="94107", days=SLOW_LANE, count=400, seed=2)
    learned = learn_transit(network=network, records=train)
    assert on_time_share(learned, test, 0.9) >= 0.85
    assert on_time_share(prior_only, test, 0.9) < 0.1


def test_the_learned_distribution_centres_on_the_observed_transit_time(network: Network) -> None:
    learned = learn_transit(
        network=network, records=history(network, postal_code="94105", days={4: 1.0}, count=300, seed=3)
    )
    fit = learned.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="94105"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is not None
    assert max(range(len(fit.pmf)), key=fit.pmf.__getitem__) == 4
    assert fit.observations == 300


def test_a_lane_without_history_answers_from_the_configured_table(
    network: Network, prior_only: TransitModel
) -> None:
    fit = prior_only.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="10001"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is not None
    assert fit.basis.startswith("configured parcelco/ground")
    assert fit.observations == 0


def test_a_thin_postal_area_falls_back_to_its_region(network: Network) -> None:
    rich = history(network, postal_code="94105", days={2: 1.0}, count=200, seed=4)
    thin = history(network, postal_code="95814", days={9: 1.0}, count=3, seed=5)
    learned = learn_transit(network=network, records=rich + thin)
    fit = learned.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="95814"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is not None
    assert fit.basis.endswith("postal 9*")
    assert fit.observations == 203


def test_a_postal_area_with_enough_history_gets_its_own_distribution(network: Network) -> None:
    rich = history(network, postal_code="94105", days={2: 1.0}, count=200, seed=4)
    slower = history(network, postal_code="95814", days={6: 1.0}, count=60, seed=5)
    learned = learn_transit(network=network, records=rich + slower)
    fit = learned.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="95814"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is not None
    assert fit.basis.endswith("postal 958*")
    assert max(range(len(fit.pmf)), key=fit.pmf.__getitem__) == 6


def test_a_destination_in_an_unseen_region_uses_the_country_lane(network: Network) -> None:
    learned = learn_transit(
        network=network, records=history(network, postal_code="94105", days={2: 1.0}, count=50, seed=6)
    )
    fit = learned.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="10001"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is not None
    assert fit.basis == "parcelco/ground US-NJ>US regular"


def test_peak_season_is_learned_apart_from_the_rest_of_the_year(network: Network) -> None:
    regular = history(network, postal_code="94105", days={2: 1.0}, count=200, seed=7, start=date(2024, 3, 4))
    peak = history(network, postal_code="94105", days={5: 1.0}, count=60, seed=8, start=date(2024, 11, 1))
    peak = [r for r in peak if r.shipped_on.month in (11, 12)]
    learned = learn_transit(network=network, records=regular + peak)
    destination = Destination(country="US", postal_code="94105")
    common = {"carrier": "parcelco", "service": "ground", "origin": "US-NJ", "destination": destination}
    in_june = learned.fit(**common, shipped_on=date(2024, 6, 3))
    in_december = learned.fit(**common, shipped_on=date(2024, 12, 2))
    assert in_june is not None
    assert in_december is not None
    assert max(range(31), key=in_june.pmf.__getitem__) == 2
    assert max(range(31), key=in_december.pmf.__getitem__) == 5


def test_a_postal_zone_with_its_own_configured_row_keeps_it_when_history_is_elsewhere(
    network: Network,
) -> None:
    learned = learn_transit(network=network, records=[])
    okinawa = learned.fit(
        carrier="kuroneko",
        service="standard",
        origin="JP-13",
        destination=Destination(country="JP", postal_code="900-0001"),
        shipped_on=date(2024, 6, 3),
    )
    assert okinawa is not None
    assert "postal 90*" in okinawa.basis
    assert max(range(31), key=okinawa.pmf.__getitem__) == 3


def test_records_for_unknown_services_are_counted_and_not_learned(network: Network) -> None:
    stray = DeliveryRecord(
        carrier="pigeon",
        service="wings",
        origin="US-NJ",
        destination=Destination(country="US", postal_code="94105"),
        shipped_on=date(2024, 6, 3),
        delivered_on=date(2024, 6, 4),
    )
    learned = learn_transit(network=network, records=[stray])
    assert (learned.records_used, learned.records_ignored, len(learned.fits)) == (0, 1, 0)


def test_a_service_that_does_not_serve_a_lane_has_no_fit(prior_only: TransitModel) -> None:
    fit = prior_only.fit(
        carrier="parcelco",
        service="ground",
        origin="US-NJ",
        destination=Destination(country="JP", postal_code="1000001"),
        shipped_on=date(2024, 6, 3),
    )
    assert fit is None
