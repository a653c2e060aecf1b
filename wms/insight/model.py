"""Pure summaries over grouped rows: mixes with shares, money sums, and percentiles of durations."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def mix(labels: Iterable[str], weights: Iterable[int] | None = None) -> list[dict[str, object]]:
    """Each label's count and share of the total, largest first (ties by label)."""
    counts: Counter[str] = Counter()
    for label, weight in zip(labels, weights if weights is not None else _ones(), strict=False):
        counts[label] += weight
    total = sum(counts.values())
    return [
        {"key": label, "count": count, "share": round(count / total, 4) if total else 0.0}
        for label, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _ones() -> Iterable[int]:
    while True:
        yield 1


def mix_by(
    pairs: Iterable[tuple[str, str]], weights: Iterable[int] | None = None
) -> dict[str, list[dict[str, object]]]:
    """A mix of the second value within each first value (e.g. reasons per SKU)."""
    grouped: dict[str, tuple[list[str], list[int]]] = {}
    for (group, label), weight in zip(pairs, weights if weights is not None else _ones(), strict=False):
        labels, counts = grouped.setdefault(group, ([], []))
        labels.append(label)
        counts.append(weight)
    return {group: mix(labels, counts) for group, (labels, counts) in sorted(grouped.items())}


@dataclass(frozen=True)
class Spread:
    count: int
    p50: float | None
    p90: float | None
    mean: float | None

    def as_dict(self) -> dict[str, object]:
        return {"count": self.count, "p50": self.p50, "p90": self.p90, "mean": self.mean}


def ranks(count: int, fraction: float) -> tuple[int, float]:
    """Where the `fraction` percentile of `count` sorted values lies (linear interpolation between
    ranks, as numpy's default and PostgreSQL's percentile_cont): the 0-based rank below it and how far
    towards the next one."""
    position = (count - 1) * fraction
    below = math.floor(position)
    return below, position - below


def between(below: float, above: float, weight: float) -> float:
    """The value `weight` of the way from `below` to `above` (numpy's rounding-stable form)."""
    step = above - below
    return above - step * (1 - weight) if weight >= 0.5 else below + step * weight


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile of values sorted ascending."""
    below, weight = ranks(len(ordered), fraction)
    return between(ordered[below], ordered[min(below + 1, len(ordered) - 1)], weight)


def spread_of(count: int, p50: float | None, p90: float | None, mean: float | None) -> Spread:
    """A spread from figures the database computed (rounded as every spread is)."""
    if not count or p50 is None or p90 is None or mean is None:
        return Spread(0, None, None, None)
    return Spread(count, round(float(p50), 3), round(float(p90), 3), round(float(mean), 3))


def spread(values: Sequence[float]) -> Spread:
    """Median, 90th percentile (linear interpolation between ranks) and mean of durations."""
    if not values:
        return Spread(0, None, None, None)
    ordered = sorted(values)
    return spread_of(
        len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9), math.fsum(ordered) / len(ordered)
    )


def money_by(rows: Iterable[tuple[str, str, int, int, int]]) -> list[dict[str, object]]:
    """(currency, group, value, recovered, units) rows summed per currency and group, with the
    recovery rate."""
    sums: dict[tuple[str, str], list[int]] = {}
    for currency, group, value, recovered, units in rows:
        total = sums.setdefault((currency, group), [0, 0, 0])
        total[0] += value
        total[1] += recovered
        total[2] += units
    return [
        {
            "currency": currency,
            "key": group,
            "units": units,
            "value_minor": value,
            "recovered_minor": recovered,
            "recovery_rate": round(recovered / value, 4) if value else 0.0,
        }
        for (currency, group), (value, recovered, units) in sorted(sums.items())
    ]
