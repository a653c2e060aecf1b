"""Refund, credit, exchange and keep-it amounts under the shipped policy, in integer minor units."""

from __future__ import annotations

from kaeru_config.settings import ROOT
from wms.returns import model
from wms.returns.policy import load_returns_config

POLICY = load_returns_config(ROOT / "config").policy


def _refund(
    outcome: str = "refund",
    price: int = 10000,
    category: str = "apparel",
    reason: str = "changed_mind",
    grade: str = "A",
) -> model.Resolution:
    return model.resolve(
        POLICY,
        outcome=outcome,
        unit_price_minor=price,
        currency="USD",
        category=category,
        reason=reason,
        grade=grade,
    )


def test_a_like_new_unit_is_refunded_in_full() -> None:
    assert _refund().amount_minor == 10000


def test_an_open_box_grade_takes_its_deduction_off_the_refund() -> None:
    refund = _refund(grade="B")
    assert (refund.amount_minor, refund.deduction_minor) == (9000, 1000)
    assert "grade_deduction:B" in refund.rules


def test_electronics_returned_for_a_change_of_mind_pay_the_restocking_fee() -> None:
    refund = _refund(category="electronics")
    assert (refund.amount_minor, refund.fee_minor) == (8500, 1500)
    assert "restocking_fee:electronics_change_of_mind" in refund.rules


def test_a_defective_unit_is_refunded_in_full_whatever_its_grade() -> None:
    refund = _refund(category="electronics", reason="defective", grade="D")
    assert (refund.amount_minor, refund.fee_minor, refund.deduction_minor) == (10000, 0, 0)


def test_store_credit_adds_the_bonus_to_what_a_refund_would_be() -> None:
    credit = _refund("store_credit", grade="B")
    assert (credit.amount_minor, credit.bonus_minor) == (9900, 900)


def test_fees_and_deductions_never_make_a_refund_negative() -> None:
    assert _refund(category="electronics", grade="X").amount_minor == 0


def test_amounts_round_down_to_whole_minor_units() -> None:
    assert _refund(price=999, grade="B").amount_minor == 900  # 999 - floor(99.9)


def test_an_exchange_pays_nothing_out_and_is_free_for_a_trusted_shopper() -> None:
    exchange = model.resolve(
        POLICY,
        outcome="exchange",
        unit_price_minor=10000,
        currency="USD",
        category="electronics",
        reason="changed_mind",
        free_exchange=True,
    )
    assert (exchange.kind, exchange.amount_minor, exchange.fee_minor) == ("exchange", 0, 0)


def test_a_cheap_item_damaged_in_transit_is_kept_by_the_shopper() -> None:
    assert model.keep_it(POLICY, unit_price_minor=1200, reason="damaged_in_transit")
    assert not model.keep_it(POLICY, unit_price_minor=1200, reason="changed_mind")
    assert not model.keep_it(POLICY, unit_price_minor=5000, reason="damaged_in_transit")


def test_the_options_offer_an_exchange_first_when_there_is_a_variant_in_stock() -> None:
    options = model.outcome_options(
        POLICY,
        unit_price_minor=4000,
        currency="USD",
        category="apparel",
        reason="size_too_small",
        exchange_skus=["TEE-L"],
    )
    assert [o["outcome"] for o in options["options"]] == ["exchange", "store_credit", "refund"]
    assert options["options"][1]["amount_minor"] == 4400
