"""Pure trust and fraud decisions: a shopper's trust score, and the signals that hold a return for review.

Part of the returns model (re-exported by `wms.returns.model`): no I/O, plain values in and out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from wms.returns.rules import FraudPolicy, TrustPolicy, TrustTier


@dataclass(frozen=True)
class ShopperHistory:
    orders: int  # orders placed
    units_shipped: int
    units_returned: int
    holds: int  # returns put on hold for review in the past
    rejected: int  # of those, rejected by a manager
    lifetime_value_minor: int  # what the shopper has paid, less refunds


@dataclass(frozen=True)
class TrustAssessment:
    score: float
    tier: TrustTier
    return_rate: float
    serial_returner: bool
    factors: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "tier": self.tier.name,
            "return_rate": round(self.return_rate, 3),
            "serial_returner": self.serial_returner,
            "instant_refund": self.tier.instant_refund,
            "instant_exchange": self.tier.instant_exchange,
            "free_exchange": self.tier.free_exchange,
            "factors": self.factors,
        }


def trust(policy: TrustPolicy, history: ShopperHistory) -> TrustAssessment:
    """A 0-100 score from a shopper's history: loyalty and spend raise it; returns and holds lower it."""
    rate = history.units_returned / history.units_shipped if history.units_shipped else 0.0
    factors = {
        "base": 40.0,
        # Repeat custom is the strongest sign of good faith: up to +30 over ten orders.
        "orders": min(history.orders, 10) * 3.0,
        # Spend on a log scale: +5 per tenfold from 10.00, up to +20.
        "lifetime_value": min(20.0, max(0.0, 5.0 * math.log10(max(history.lifetime_value_minor, 1) / 1000))),
        # Returning more than a quarter of what was shipped costs up to 40 points.
        "return_rate": -min(40.0, max(0.0, (rate - 0.25) * 80)),
        "holds": -10.0 * history.holds,
        "rejected": -30.0 * history.rejected,
    }
    score = round(max(0.0, min(100.0, sum(factors.values()))), 1)
    tier = next(t for t in policy.tiers if score >= t.min_score)
    serial = (
        history.units_returned >= policy.serial_returner_min_returns
        and rate >= policy.serial_returner_min_rate
    )
    return TrustAssessment(score, tier, rate, serial, factors)


@dataclass(frozen=True)
class IntakeFacts:
    """What the station learnt about a return, for the fraud signals."""

    matches: tuple[str, ...] = ()
    weight: str = "unweighed"
    arrived_on: date | None = None
    return_by: date | None = None
    authorised_outside_window: bool = False
    serial_returner: bool = False
    unexpected: bool = False
    held_at_other_merchants: int = 0  # the warehouse's shared signal (wms/returns/shared_signal.py)


def signals(facts: IntakeFacts) -> list[str]:
    """Every fraud signal these facts raise, in a fixed order."""
    found: list[str] = []
    for match in ("serial_swap", "different_item", "different_variant", "not_ours"):
        if match in facts.matches:
            found.append(match)
    if facts.weight == "empty":
        found.append("empty_parcel")
    elif facts.weight == "light":
        found.append("light_parcel")
    late = facts.arrived_on is not None and facts.return_by is not None and facts.arrived_on > facts.return_by
    if late or facts.authorised_outside_window:
        found.append("outside_window")
    if facts.serial_returner:
        found.append("serial_returner")
    if facts.unexpected:
        found.append("unexpected_return")
    if facts.held_at_other_merchants > 0:
        found.append("held_at_other_merchants")
    return found


def hold_reasons(fraud: FraudPolicy, found: Iterable[str]) -> list[str]:
    """The signals that, under the policy, stop a refund until a manager has looked."""
    return [s for s in found if s in fraud.hold_on]
