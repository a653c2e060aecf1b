"""Mixes, percentiles and recovery sums behind the returns insight API."""

from __future__ import annotations

from wms.insight import model


def test_a_mix_counts_each_label_with_its_share_largest_first() -> None:
    assert model.mix(["B", "A", "B", "C"]) == [
        {"key": "B", "count": 2, "share": 0.5},
        {"key": "A", "count": 1, "share": 0.25},
        {"key": "C", "count": 1, "share": 0.25},
    ]


def test_a_weighted_mix_counts_units_not_rows() -> None:
    assert model.mix(["size_too_small", "defective"], [3, 1])[0] == {
        "key": "size_too_small",
        "count": 3,
        "share": 0.75,
    }


def test_reasons_are_mixed_within_each_sku() -> None:
    by_sku = model.mix_by([("TEE", "size_too_small"), ("TEE", "changed_mind"), ("MUG", "defective")])
    assert [r["key"] for r in by_sku["TEE"]] == ["changed_mind", "size_too_small"]
    assert by_sku["MUG"] == [{"key": "defective", "count": 1, "share": 1.0}]


def test_the_median_and_90th_percentile_interpolate_between_ranks() -> None:
    spread = model.spread([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert (spread.p50, spread.p90, spread.count) == (55.0, 91.0, 10)


def test_no_durations_give_no_percentiles() -> None:
    assert model.spread([]).as_dict() == {"count": 0, "p50": None, "p90": None, "mean": None}


def test_recovery_is_summed_per_currency_and_group_with_its_rate() -> None:
    rows = [
        ("USD", "restock_new", 4000, 4000, 1),
        ("USD", "liquidation", 6000, 900, 1),
        ("JPY", "restock_new", 500, 500, 1),
    ]
    summed = model.money_by(rows)
    assert summed[0] == {
        "currency": "JPY",
        "key": "restock_new",
        "units": 1,
        "value_minor": 500,
        "recovered_minor": 500,
        "recovery_rate": 1.0,
    }
    assert summed[1]["recovery_rate"] == 0.15


def test_percentiles_interpolate_as_numpy_does() -> None:
    import random

    import numpy as np

    rng = random.Random(3)
    for size in (1, 2, 3, 10, 101, 1000):
        values = sorted(rng.uniform(0, 86400) for _ in range(size))
        for fraction in (0.5, 0.9):
            assert model.percentile(values, fraction) == float(np.percentile(values, fraction * 100))
