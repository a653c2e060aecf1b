"""Transit times learned from counts added to as deliveries come in are the ones learned from the whole
history at once: the server keeps counts per lane and month, never the year of records."""

from collections import defaultdict
from pathlib import Path

from simulators.deliveries import simulate_deliveries
from wms.delivery import load_network
from wms.delivery.transit import LaneKey, learn_transit, model_from_counts, observe

CONFIG = Path(__file__).resolve().parents[3] / "config" / "delivery.yaml"


def test_counts_added_in_batches_learn_what_the_whole_history_learns() -> None:
    network = load_network(path=CONFIG)
    records = [p.record() for p in simulate_deliveries(network=network, count=2500, seed=5)]
    whole = learn_transit(network=network, records=records)

    counts: dict[LaneKey, list[int]] = defaultdict(lambda: [0] * (network.learning.max_transit_days + 1))
    ignored = 0
    for start in range(0, len(records), 300):  # as a learner would, one batch of new deliveries at a time
        for record in records[start : start + 300]:
            seen = observe(network, record)
            if seen is None:
                ignored += 1
                continue
            days, chain = seen
            for key in chain:
                counts[key][days] += 1
    incremental = model_from_counts(network=network, counts=counts, ignored=ignored)

    assert incremental.records_used == whole.records_used > 2000
    assert incremental.records_ignored == whole.records_ignored
    assert incremental.fits == whole.fits


def test_no_counts_answer_from_the_configured_tables() -> None:
    network = load_network(path=CONFIG)
    assert (
        model_from_counts(network=network, counts={}).fits == learn_transit(network=network, records=[]).fits
    )
