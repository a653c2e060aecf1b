"""A believable warehouse day as plain decisions: when orders arrive, how long work takes, how parcels
travel, and which shoppers send what back in what state. Pure and seeded: every function takes a
`random.Random` and returns values; the simulated floor (simulators/floor.py) acts on them.

Figures follow PRODUCT.md: manual picking 60-120 lines per picker-hour; return rates by category
(hard goods 1-5%, shoes 10-25%, apparel 20-30%); exchanges up to 30% of returns.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar

T = TypeVar("T")

# Share of a day's orders placed in each local hour: quiet at night, a lunchtime bump and the
# evening peak of online shopping.
HOURLY_SHARE: tuple[float, ...] = (
    1.2, 0.8, 0.5, 0.4, 0.4, 0.6, 1.5, 2.8, 4.0, 4.8, 5.2, 5.6,
    6.4, 6.0, 5.2, 5.0, 5.1, 5.5, 6.2, 7.4, 8.0, 7.2, 5.0, 3.2,
)  # fmt: skip
CATEGORY_SHARE = {"apparel": 0.45, "shoes": 0.25, "home": 0.18, "electronics": 0.12}
LINES_PER_ORDER = {1: 0.62, 2: 0.26, 3: 0.12}

# Return rate per unit shipped, by category (apparel and shoes fitted, hard goods low).
RETURN_RATE = {"apparel": 0.25, "shoes": 0.17, "electronics": 0.04, "home": 0.03}
DEFAULT_RETURN_RATE = 0.05
REASONS_BY_CATEGORY: dict[str, dict[str, float]] = {
    "apparel": {
        "size_too_small": 0.24,
        "size_too_large": 0.22,
        "not_as_described": 0.16,
        "changed_mind": 0.2,
        "defective": 0.05,
        "damaged_in_transit": 0.04,
        "wrong_item_sent": 0.03,
        "arrived_late": 0.04,
        "other": 0.02,
    },
    "shoes": {
        "size_too_small": 0.3,
        "size_too_large": 0.26,
        "not_as_described": 0.12,
        "changed_mind": 0.18,
        "defective": 0.06,
        "damaged_in_transit": 0.03,
        "wrong_item_sent": 0.02,
        "arrived_late": 0.03,
    },
    "electronics": {
        "defective": 0.3,
        "changed_mind": 0.28,
        "not_as_described": 0.16,
        "damaged_in_transit": 0.1,
        "wrong_item_sent": 0.06,
        "arrived_late": 0.1,
    },
    "home": {
        "damaged_in_transit": 0.3,
        "changed_mind": 0.3,
        "not_as_described": 0.2,
        "defective": 0.12,
        "arrived_late": 0.08,
    },
}
SIZE_REASONS = ("size_too_small", "size_too_large")
# Preferred outcome: a wrong size is mostly exchanged; otherwise money back, some store credit.
EXCHANGE_SHARE_FOR_SIZE = 0.5
EXCHANGE_SHARE_OTHERWISE = 0.06
STORE_CREDIT_SHARE = 0.15

# What the associate finds in the box, which the grading checklist turns into a grade:
# most like new or opened (A/B), some used or damaged (C/D), few beyond saving (X).
CONDITIONS = ("like_new", "opened", "used", "damaged", "ruined")
CONDITION_MIX = {"like_new": 0.46, "opened": 0.3, "used": 0.14, "damaged": 0.07, "ruined": 0.03}
# The merchant's or carrier's fault: what comes back is more often broken.
FAULTY_CONDITION_MIX = {"like_new": 0.2, "opened": 0.25, "used": 0.25, "damaged": 0.2, "ruined": 0.1}
FAULT_REASONS = ("defective", "damaged_in_transit")

# Honest answers to each category's checklist (config/returns/rubrics/) for each condition.
# A question not listed here is answered with its first (best) answer.
CONDITION_ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    "apparel": {
        "like_new": {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"},
        "opened": {"tags_attached": "no", "worn": "no", "stains": "none", "odour": "no", "damage": "no"},
        "used": {"tags_attached": "no", "worn": "yes", "stains": "minor", "odour": "no", "damage": "no"},
        "damaged": {"tags_attached": "no", "worn": "yes", "stains": "none", "odour": "no", "damage": "yes"},
        "ruined": {"tags_attached": "no", "worn": "yes", "stains": "major", "odour": "yes", "damage": "yes"},
    },
    "shoes": {
        "like_new": {"box_present": "yes", "soles_worn": "none", "pair_complete": "yes", "damage": "none"},
        "opened": {"box_present": "no", "soles_worn": "none", "pair_complete": "yes", "damage": "none"},
        "used": {"box_present": "yes", "soles_worn": "light", "pair_complete": "yes", "damage": "scuffs"},
        "damaged": {"box_present": "no", "soles_worn": "heavy", "pair_complete": "yes", "damage": "broken"},
        "ruined": {"box_present": "no", "soles_worn": "heavy", "pair_complete": "no", "damage": "broken"},
    },
    "electronics": {
        "like_new": {
            "seal_intact": "yes",
            "powers_on": "yes",
            "accessories_complete": "yes",
            "screen_damage": "none",
            "liquid_damage": "no",
        },
        "opened": {
            "seal_intact": "no",
            "powers_on": "yes",
            "accessories_complete": "yes",
            "screen_damage": "none",
            "liquid_damage": "no",
        },
        "used": {
            "seal_intact": "no",
            "powers_on": "yes",
            "accessories_complete": "no",
            "screen_damage": "scratches",
            "liquid_damage": "no",
        },
        "damaged": {
            "seal_intact": "no",
            "powers_on": "no",
            "accessories_complete": "yes",
            "screen_damage": "cracked",
            "liquid_damage": "no",
        },
        "ruined": {
            "seal_intact": "no",
            "powers_on": "no",
            "accessories_complete": "no",
            "screen_damage": "cracked",
            "liquid_damage": "yes",
        },
    },
    "home": {
        "like_new": {"packaging": "sealed", "used": "no", "broken": "no", "parts_complete": "yes"},
        "opened": {"packaging": "opened", "used": "no", "broken": "no", "parts_complete": "yes"},
        "used": {"packaging": "opened", "used": "yes", "broken": "no", "parts_complete": "yes"},
        "damaged": {"packaging": "missing", "used": "yes", "broken": "no", "parts_complete": "no"},
        "ruined": {"packaging": "missing", "used": "yes", "broken": "yes", "parts_complete": "no"},
    },
    "general": {
        "like_new": {"condition": "as_new", "complete": "yes"},
        "opened": {"condition": "opened", "complete": "yes"},
        "used": {"condition": "used", "complete": "yes"},
        "damaged": {"condition": "damaged", "complete": "yes"},
        "ruined": {"condition": "unusable", "complete": "no"},
    },
}

# Fraud, per return: a different (cheaper) product in the box, or a box lighter than its contents.
WRONG_ITEM_RATE = 0.03
LIGHT_PARCEL_RATE = 0.025
LIGHT_PARCEL_SHARE = 0.35  # what a light parcel's contents weigh against what they should
PARCEL_TARE_G = 180

# Carrier legs (days) and the share of deliveries that hit a snag first.
TRANSIT_DAYS = {1: 0.25, 2: 0.4, 3: 0.25, 4: 0.1}
EXCEPTION_RATE = 0.03


def weighted(rng: random.Random, table: Mapping[T, float]) -> T:
    """One key of `table`, chosen in proportion to its weight."""
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys], k=1)[0]


# --- orders ---------------------------------------------------------------------------------------


def order_rate(local_hour: int, orders_per_day: float) -> float:
    """Orders per (simulated) second at this local hour."""
    return orders_per_day * HOURLY_SHARE[local_hour % 24] / sum(HOURLY_SHARE) / 3600.0


def next_arrival(rng: random.Random, after: datetime, orders_per_day: float) -> datetime:
    """When the next order arrives after `after` (a local time): a Poisson process whose rate follows
    the daily curve, drawn by thinning."""
    if orders_per_day <= 0:
        raise ValueError("orders per day must be positive")
    peak = order_rate(max(range(24), key=lambda h: HOURLY_SHARE[h]), orders_per_day)
    at = after
    while True:
        at += timedelta(seconds=rng.expovariate(peak))
        if rng.random() * peak <= order_rate(at.hour, orders_per_day):
            return at


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    gtin: str | None
    category: str
    weight_g: int
    price_minor: int
    tracking: str = "none"
    variant_group: str = ""
    variant_label: str = ""
    final_sale: bool = False
    merchant: str = ""  # whose item: a floor may serve several merchants


def choose_basket(rng: random.Random, catalogue: Sequence[CatalogueItem]) -> list[CatalogueItem]:
    """What one shopper buys: 1-3 different items of one merchant's shop, categories in their usual
    shares (each merchant's shop gets orders in proportion to its catalogue)."""
    merchant = rng.choice(catalogue).merchant
    by_category: dict[str, list[CatalogueItem]] = {}
    for item in (i for i in catalogue if i.merchant == merchant):
        by_category.setdefault(item.category, []).append(item)
    shares = {c: CATEGORY_SHARE.get(c, 0.05) for c in by_category}
    basket: list[CatalogueItem] = []
    for _ in range(weighted(rng, LINES_PER_ORDER)):
        choice = rng.choice(by_category[weighted(rng, shares)])
        if choice not in basket:
            basket.append(choice)
    return basket


# --- work on the floor (simulated seconds) --------------------------------------------------------


def pick_seconds(rng: random.Random) -> float:
    """Walk to the bin and take one line: 60-120 lines an hour."""
    return rng.uniform(30.0, 60.0)


def pack_seconds(rng: random.Random, units: int) -> float:
    return rng.uniform(35.0, 60.0) + units * rng.uniform(8.0, 15.0)


def grade_seconds(rng: random.Random) -> float:
    return rng.uniform(45.0, 120.0)


def carton_weight(rng: random.Random, item_weights_g: Sequence[int], tare_g: int) -> int:
    """What a packed carton weighs on the scale: its contents, the box, and a little packing."""
    return sum(item_weights_g) + tare_g + rng.randint(-8, 12)


# --- the carrier ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingStep:
    kind: str  # in_transit | out_for_delivery | delivered | exception
    at: datetime  # simulated local time
    location: str = ""
    description: str = ""


def tracking_plan(rng: random.Random, shipped_at: datetime, *, city: str = "") -> list[TrackingStep]:
    """The carrier's scans for one parcel handed over at `shipped_at` (local simulated time)."""
    steps = [
        TrackingStep(
            "in_transit",
            shipped_at + timedelta(hours=rng.uniform(2.0, 6.0)),
            "Memphis, TN",
            "departed the origin facility",
        )
    ]
    day = (shipped_at + timedelta(days=weighted(rng, TRANSIT_DAYS))).date()
    if rng.random() < EXCEPTION_RATE:
        attempt = datetime.combine(day, time(hour=rng.randint(11, 17)), shipped_at.tzinfo)
        steps.append(TrackingStep("out_for_delivery", attempt - timedelta(hours=3), city, "out for delivery"))
        steps.append(
            TrackingStep("exception", attempt, city, "delivery attempted: no access to the building")
        )
        day += timedelta(days=1)
    out = datetime.combine(day, time(hour=8), shipped_at.tzinfo) + timedelta(minutes=rng.randint(0, 90))
    steps.append(TrackingStep("out_for_delivery", out, city, "out for delivery"))
    steps.append(TrackingStep("delivered", out + timedelta(hours=rng.uniform(1.0, 8.0)), city, "delivered"))
    return steps


# --- returns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnPlan:
    """One shopper's return of one unit, decided when the parcel is delivered."""

    sku: str
    reason: str
    outcome: str  # refund | store_credit | exchange
    exchange_sku: str | None
    requested_after: timedelta  # after delivery
    in_transit_after: timedelta  # after the request: the first carrier scan
    arrives_after: timedelta  # after the request: at the returns dock
    condition: str
    fraud: str | None  # None | wrong_item | light_parcel


def exchange_for(
    item: CatalogueItem, reason: str, catalogue: Sequence[CatalogueItem]
) -> CatalogueItem | None:
    """The variant a shopper swaps to: the next size up or down for a size reason, else any other."""
    siblings = [c for c in catalogue if c.variant_group and c.variant_group == item.variant_group]
    if len(siblings) < 2 or item not in siblings:
        return None
    at = siblings.index(item)
    if reason == "size_too_small":
        return siblings[at + 1] if at + 1 < len(siblings) else None
    if reason == "size_too_large":
        return siblings[at - 1] if at > 0 else None
    return siblings[(at + 1) % len(siblings)]


def decide_return(
    rng: random.Random, item: CatalogueItem, catalogue: Sequence[CatalogueItem], *, more_returns: float = 1.0
) -> ReturnPlan | None:
    """Whether the shopper sends this delivered unit back, and how. None: they keep it.
    `more_returns` multiplies the category's return rate (a demo that wants returns sooner)."""
    rate = min(0.95, RETURN_RATE.get(item.category, DEFAULT_RETURN_RATE) * more_returns)
    if item.final_sale or rng.random() >= rate:
        return None
    reason = weighted(rng, REASONS_BY_CATEGORY.get(item.category, REASONS_BY_CATEGORY["home"]))
    roll = rng.random()
    exchange_share = EXCHANGE_SHARE_FOR_SIZE if reason in SIZE_REASONS else EXCHANGE_SHARE_OTHERWISE
    swap = exchange_for(item, reason, catalogue) if roll < exchange_share else None
    if swap is not None:
        outcome = "exchange"
    elif roll < exchange_share + STORE_CREDIT_SHARE:
        outcome = "store_credit"
    else:
        outcome = "refund"
    mix = FAULTY_CONDITION_MIX if reason in FAULT_REASONS else CONDITION_MIX
    fraud_roll = rng.random()
    fraud = (
        "wrong_item"
        if fraud_roll < WRONG_ITEM_RATE
        else "light_parcel"
        if fraud_roll < WRONG_ITEM_RATE + LIGHT_PARCEL_RATE
        else None
    )
    return ReturnPlan(
        sku=item.sku,
        reason=reason,
        outcome=outcome,
        exchange_sku=swap.sku if swap else None,
        requested_after=timedelta(days=rng.triangular(0.5, 14.0, 3.0)),
        in_transit_after=timedelta(days=rng.uniform(0.3, 2.0)),
        arrives_after=timedelta(days=rng.uniform(2.0, 5.0)),
        condition=weighted(rng, mix),
        fraud=fraud,
    )


def answers_for(category: str, condition: str, questions: Sequence[Mapping[str, object]]) -> dict[str, str]:
    """The associate's answers to a checklist (questions as the API lists them) for an item in this
    condition; an answer the item's profile does not know falls back to the question's first answer."""
    profile = CONDITION_ANSWERS.get(category, CONDITION_ANSWERS["general"]).get(condition, {})
    answers: dict[str, str] = {}
    for question in questions:
        options = [str(a) for a in question.get("answers", []) or []]  # type: ignore[attr-defined]
        wanted = profile.get(str(question["id"]))
        answers[str(question["id"])] = wanted if wanted in options else (options[0] if options else "")
    return answers


def parcel_weight(rng: random.Random, item_weights_g: Sequence[int], fraud: str | None) -> int:
    """What the returned parcel weighs on the station scale (a light parcel holds much less)."""
    contents = sum(item_weights_g)
    if fraud == "light_parcel":
        contents = math.floor(contents * LIGHT_PARCEL_SHARE)
    return PARCEL_TARE_G + contents + rng.randint(-6, 10)


def hold_decision(rng: random.Random, signals: Sequence[str]) -> bool:
    """A manager's call on a held return: True approves. A different item or an empty box is mostly
    rejected; a light parcel or a frequent returner is mostly let through after a look."""
    severe = {"different_item", "not_ours", "empty_parcel", "serial_swap"}
    return rng.random() < (0.2 if severe & set(signals) else 0.85)
