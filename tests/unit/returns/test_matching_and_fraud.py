"""Matching a scanned unit against what was shipped; parcel weights; trust score and fraud signals."""

from __future__ import annotations

from datetime import date

from kaeru_config.settings import ROOT
from wms.returns import model
from wms.returns.policy import load_returns_config

POLICY = load_returns_config(ROOT / "config").policy
WATCH = model.ItemFacts(1, "WATCH", "electronics", serial_tracked=True)
TEE_M = model.ItemFacts(2, "TEE-M", "apparel", variant_group="TEE")
TEE_L = model.ItemFacts(3, "TEE-L", "apparel", variant_group="TEE")
MUG = model.ItemFacts(4, "MUG", "home")
SHIPPED = {1: frozenset({"SN-1"})}


def _match(scanned: model.ItemFacts | None, serial: str = "", received: int = 0) -> model.Match:
    expected = [
        model.ExpectedLine(10, WATCH, 1, received if scanned is WATCH else 0),
        model.ExpectedLine(11, TEE_M, 1, received if scanned is TEE_M else 0),
    ]
    return model.match_unit(
        scanned=scanned,
        serial=serial,
        expected=expected,
        shipped_serials=SHIPPED,
        shipped_items=frozenset({1, 2}),
    )


def test_the_shipped_serial_is_the_right_item() -> None:
    assert (_match(WATCH, "SN-1").outcome, _match(WATCH, "SN-1").line_id) == ("right_item", 10)


def test_another_serial_of_the_shipped_item_is_a_serial_swap() -> None:
    assert _match(WATCH, "SN-9").outcome == "serial_swap"


def test_an_untracked_item_on_the_return_is_the_right_item() -> None:
    assert _match(TEE_M).outcome == "right_item"


def test_one_unit_more_than_authorised_is_extra() -> None:
    assert _match(TEE_M, received=1).outcome == "extra"


def test_another_variant_of_an_expected_item_is_a_different_variant() -> None:
    match = _match(TEE_L)
    assert (match.outcome, match.line_id) == ("different_variant", 11)


def test_an_item_never_shipped_is_a_different_item() -> None:
    assert _match(MUG).outcome == "different_item"


def test_something_not_in_the_catalogue_is_not_ours() -> None:
    assert _match(None).outcome == "not_ours"


def test_units_not_received_are_missing() -> None:
    lines = [model.ExpectedLine(10, WATCH, 1, 1), model.ExpectedLine(11, TEE_M, 3, 1)]
    assert model.missing_units(lines) == {11: 2}


def _weigh(measured: int | None, items: tuple[int, ...] = (800,)) -> str:
    return model.check_parcel_weight(POLICY.fraud, item_weights_g=items, measured_g=measured).verdict


def test_a_parcel_weighing_its_items_and_box_is_plausible() -> None:
    assert _weigh(980) == "ok"


def test_a_parcel_with_barely_more_than_the_box_is_empty() -> None:
    assert _weigh(200) == "empty"


def test_a_parcel_well_under_its_items_weight_is_light() -> None:
    assert _weigh(500) == "light"


def test_a_parcel_not_weighed_is_not_judged() -> None:
    assert _weigh(None) == "unweighed"


def test_a_loyal_big_spender_who_rarely_returns_is_trusted() -> None:
    loyal = model.trust(
        POLICY.trust,
        model.ShopperHistory(
            orders=12, units_shipped=30, units_returned=2, holds=0, rejected=0, lifetime_value_minor=500_000
        ),
    )
    assert loyal.tier.name == "trusted"
    assert loyal.tier.instant_refund


def test_a_first_time_shopper_is_standard() -> None:
    first = model.trust(POLICY.trust, model.ShopperHistory(1, 1, 0, 0, 0, 4000))
    assert first.tier.name == "standard"


def test_a_shopper_who_returns_most_of_what_they_buy_is_a_serial_returner() -> None:
    returner = model.trust(POLICY.trust, model.ShopperHistory(6, 10, 8, 1, 0, 20_000))
    assert returner.serial_returner
    assert returner.tier.name == "watch"


def test_a_rejected_hold_costs_more_trust_than_an_approved_one() -> None:
    approved = model.trust(POLICY.trust, model.ShopperHistory(5, 10, 1, 1, 0, 50_000))
    rejected = model.trust(POLICY.trust, model.ShopperHistory(5, 10, 1, 1, 1, 50_000))
    assert rejected.score < approved.score


def test_a_parcel_arriving_after_its_return_by_date_is_outside_the_window() -> None:
    found = model.signals(model.IntakeFacts(arrived_on=date(2024, 5, 2), return_by=date(2024, 5, 1)))
    assert found == ["outside_window"]


def test_signals_are_listed_in_a_fixed_order_and_filtered_by_the_policy() -> None:
    found = model.signals(
        model.IntakeFacts(matches=("extra", "serial_swap"), weight="light", serial_returner=True)
    )
    assert found == ["serial_swap", "light_parcel", "serial_returner"]
    assert model.hold_reasons(POLICY.fraud, found) == found
