"""EDD answers per second for a storefront-style call (cart + destination postal code), from the pure model.

One answer = every service's estimate for one cart (what a checkout page shows). The model is trained
on a simulated history first. Baseline measured in the same run on the same calls: the naive quote from
configured transit days (`published_estimate` per service), i.e. the work a shop without history does.
The HTTP figure is measured separately once the storefront API exists. Prints one JSON object.

    .venv/bin/python bench/edd_throughput.py [--seconds 5] [--history 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulators.deliveries import simulate_deliveries
from wms.delivery import (
    Backlog,
    Destination,
    Network,
    TransitModel,
    estimate_for_cart,
    learn_transit,
    load_network,
    published_estimate,
)

ROOT = Path(__file__).resolve().parent.parent
Call = tuple[str, Destination, datetime, Backlog, int]


def _calls(network: Network, history_destinations: list[tuple[str, Destination]], count: int) -> list[Call]:
    """Storefront requests: warehouse, a destination seen in history, a moment in 2025, backlog, cart size."""
    rng = random.Random(1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    calls = []
    for _ in range(count):
        warehouse, destination = rng.choice(history_destinations)
        site = network.warehouses[warehouse]
        moment = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        backlog = Backlog(
            open_lines=rng.randrange(int(site.lines_per_hour * site.shift_hours * 2)), lines_per_hour=0
        )
        calls.append((warehouse, destination, moment, backlog, rng.randint(1, 6)))
    return calls


def _rate(seconds: float, calls: list[Call], answer: Callable[[Call], object]) -> dict[str, float]:
    latencies = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        begun = time.perf_counter()
        answer(calls[i % len(calls)])
        latencies.append(time.perf_counter() - begun)
        i += 1
    latencies.sort()
    total = sum(latencies)
    return {
        "answers": len(latencies),
        "answers_per_second": round(len(latencies) / total, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 4),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measured variant")
    parser.add_argument("--history", type=int, default=20_000, help="simulated deliveries to train on")
    args = parser.parse_args()
    network = load_network(path=ROOT / "config" / "delivery.yaml")
    history = simulate_deliveries(network=network, count=args.history, seed=7)
    began = time.perf_counter()
    transit: TransitModel = learn_transit(network=network, records=[p.record() for p in history])
    trained_in = time.perf_counter() - began
    calls = _calls(network, [(p.warehouse, p.destination) for p in history], 5000)

    def storefront(call: Call) -> object:
        warehouse, destination, moment, backlog, lines = call
        return estimate_for_cart(
            network=network,
            transit=transit,
            warehouse=warehouse,
            destination=destination,
            placed_at=moment,
            backlog=backlog,
            cart_lines=lines,
        )

    def naive(call: Call) -> object:
        warehouse, destination, moment, _, _ = call
        origin = network.warehouses[warehouse].country
        return [
            published_estimate(
                network=network,
                warehouse=warehouse,
                carrier=carrier.code,
                service=service.code,
                destination=destination,
                placed_at=moment,
            )
            for carrier in network.carriers.values()
            for service in carrier.services.values()
            if service.prior_for(origin=origin, destination=destination) is not None
        ]

    for call in calls[:200]:  # warm the holiday caches for every year and country in the calls
        storefront(call)
        naive(call)
    options = sum(len(storefront(call)) for call in calls[:500]) / 500  # type: ignore[arg-type]
    result = {
        "benchmark": "edd_throughput",
        "call": "estimate_for_cart (every service for one cart and postal code), pure model, one thread",
        "trained_on_deliveries": len(history),
        "learned_lanes": len(transit.fits),
        "training_seconds": round(trained_in, 3),
        "mean_services_per_answer": round(options, 2),
        "learned_model": _rate(args.seconds, calls, storefront),
        "baseline_configured_days_quote": _rate(args.seconds, calls, naive),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
