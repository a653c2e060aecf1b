"""What may be returned: the window from delivery, final sale, and what is left to return."""

from __future__ import annotations

from datetime import date

import pytest

from kaeru_config.settings import ROOT
from wms.errors import Invalid
from wms.returns import model
from wms.returns.policy import load_returns_config

POLICY = load_returns_config(ROOT / "config").policy
TEE = model.LineFacts(
    order_line_id=1,
    sku="TEE",
    name="Tee",
    category="apparel",
    unit_price_minor=4000,
    shipped=2,
    already_returned=0,
)
FINAL = model.LineFacts(
    order_line_id=2,
    sku="SALE",
    name="Sale",
    category="apparel",
    unit_price_minor=1000,
    shipped=1,
    already_returned=0,
    final_sale=True,
)


def _decide(
    today: date,
    *,
    delivered: date | None = date(2024, 3, 1),
    shipped: date | None = date(2024, 2, 27),
    lines: tuple[model.LineFacts, ...] = (TEE, FINAL),
) -> model.OrderEligibility:
    return model.eligibility(POLICY, today=today, shipped_on=shipped, delivered_on=delivered, lines=lines)


def test_the_window_counts_from_the_delivery_date() -> None:
    assert _decide(date(2024, 3, 31)).window_ends == date(2024, 3, 31)
    assert _decide(date(2024, 3, 31)).eligible


def test_a_day_after_the_window_nothing_may_be_returned() -> None:
    decision = _decide(date(2024, 4, 1))
    assert (decision.code, decision.eligible) == ("window_expired", False)


def test_without_a_delivery_scan_the_window_counts_from_shipping_plus_grace() -> None:
    assert _decide(date(2024, 3, 1), delivered=None).window_ends == date(2024, 4, 7)


def test_an_order_not_shipped_cannot_be_returned() -> None:
    assert _decide(date(2024, 3, 1), delivered=None, shipped=None).code == "not_shipped"


def test_a_final_sale_line_is_not_returnable() -> None:
    final = _decide(date(2024, 3, 5)).lines[1]
    assert (final.code, final.returnable) == ("final_sale", 0)


def test_units_already_on_a_return_are_not_returnable_again() -> None:
    done = model.LineFacts(1, "TEE", "Tee", "apparel", 4000, shipped=2, already_returned=2)
    line = _decide(date(2024, 3, 5), lines=(done,)).lines[0]
    assert (line.code, line.returnable) == ("fully_returned", 0)


def test_a_request_for_more_than_is_left_is_refused() -> None:
    with pytest.raises(Invalid, match="TEE: only 2 may be returned"):
        model.check_request(_decide(date(2024, 3, 5)), [model.RequestedLine(1, 3, "changed_mind")])


def test_a_request_with_quantity_zero_is_refused() -> None:
    with pytest.raises(Invalid, match="at least 1"):
        model.check_request(_decide(date(2024, 3, 5)), [model.RequestedLine(1, 0, "changed_mind")])


def test_the_reason_other_needs_a_few_words() -> None:
    with pytest.raises(Invalid, match="needs a text"):
        model.check_request(_decide(date(2024, 3, 5)), [model.RequestedLine(1, 1, "other")])


def test_a_request_after_the_window_is_refused_unless_a_manager_allows_it() -> None:
    late = _decide(date(2024, 5, 1))
    with pytest.raises(Invalid, match="return window closed on 2024-03-31"):
        model.check_request(late, [model.RequestedLine(1, 1, "changed_mind")])
    model.check_request(late, [model.RequestedLine(1, 1, "changed_mind")], allow_outside_window=True)
