"""Settling a delivery claim from its evidence, or holding it for a manager."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from wms.shopper.model import ClaimEvidence, ClaimRulesValues, decide_claim

RULES = ClaimRulesValues(
    trusted_min_score=60, max_prior_claims=0, max_auto_value_minor=30000, lost_after_days=3
)
DELIVERED = ClaimEvidence(
    kind="not_received",
    delivered_at=datetime(2025, 3, 10, 14, 5, tzinfo=UTC),
    delivered_where="Front porch",
    packed_weight_g=430,
    expected_weight_g=430,
    weight_tolerance_g=50,
    packed_units={"TEE-M": 1},
    packed_serials={},
    claimed_units={"TEE-M": 1},
    prior_claims=0,
    prior_claims_denied=0,
    trust_score=72,
    trust_tier="standard",
    claim_value_minor=2500,
    days_past_estimate=0,
)


def test_a_first_claim_from_a_trusted_shopper_is_reshipped() -> None:
    decision = decide_claim(DELIVERED, RULES, in_stock=True)
    assert (decision.status, decision.resolution) == ("resolved", "reship")


def test_a_trusted_claim_for_an_item_out_of_stock_is_refunded() -> None:
    assert decide_claim(DELIVERED, RULES, in_stock=False).resolution == "refund"


def test_a_delivered_scan_right_weight_and_prior_claims_hold_the_claim_for_review() -> None:
    decision = decide_claim(replace(DELIVERED, prior_claims=1), RULES, in_stock=True)
    assert (decision.status, decision.resolution) == ("review", None)
    assert {"prior_claims", "delivered_scan", "packed_weight_correct"} <= set(decision.signals)


def test_a_shopper_below_the_trusted_score_is_held_for_review() -> None:
    assert decide_claim(replace(DELIVERED, trust_score=45), RULES, in_stock=True).status == "review"


def test_a_claim_worth_more_than_the_automatic_limit_is_held_for_review() -> None:
    assert decide_claim(replace(DELIVERED, claim_value_minor=30001), RULES, in_stock=True).status == "review"


def test_a_parcel_without_a_delivered_scan_that_is_not_yet_late_is_denied_as_not_yet_due() -> None:
    decision = decide_claim(replace(DELIVERED, delivered_at=None, days_past_estimate=2), RULES, in_stock=True)
    assert (decision.resolution, decision.reason) == ("deny", "not_yet_due")


def test_a_parcel_long_past_its_estimate_without_a_delivered_scan_is_lost_and_replaced() -> None:
    decision = decide_claim(replace(DELIVERED, delivered_at=None, days_past_estimate=3), RULES, in_stock=True)
    assert decision.resolution == "reship"


def test_a_light_carton_proves_a_missing_item_even_for_a_repeat_claimant() -> None:
    evidence = replace(DELIVERED, kind="missing_item", packed_weight_g=300, prior_claims=3, trust_score=10)
    decision = decide_claim(evidence, RULES, in_stock=True)
    assert (decision.resolution, decision.reason) == ("reship", "warehouse_fault")


def test_a_missing_item_the_packer_scanned_into_a_right_weight_carton_is_looked_at_by_a_person() -> None:
    evidence = replace(DELIVERED, kind="missing_item", prior_claims=1)
    decision = decide_claim(evidence, RULES, in_stock=True)
    assert decision.status == "review"
    assert "scanned_at_packing" in decision.signals


def test_an_unknown_kind_of_claim_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown claim kind"):
        decide_claim(replace(DELIVERED, kind="bored"), RULES, in_stock=True)
