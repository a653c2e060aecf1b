"""The pure stock decisions, on plain values: allocation, quantities, tracking, states, GS1 numbers."""

from __future__ import annotations

import pytest

from wms.errors import IllegalTransition, Invalid
from wms.inventory.model import (
    PURCHASE_ORDERS,
    Allocation,
    Available,
    PurchaseOrderStatus,
    Tracking,
    allocate,
    check_identity,
    require_positive,
    sscc,
)


def bin_(
    quant_id: int, available: int, *, kind: str = "storage", path_seq: int = 0, **extra: str
) -> Available:
    return Available(quant_id=quant_id, location_kind=kind, path_seq=path_seq, available=available, **extra)


# --- allocation -------------------------------------------------------------------------------


def test_allocation_empties_pick_faces_before_reserve_storage():
    storage, pick = bin_(1, 5, kind="storage", path_seq=1), bin_(2, 5, kind="pick", path_seq=9)
    assert allocate(3, [storage, pick]) == [Allocation(2, 3)]


def test_allocation_follows_the_walking_path_within_a_kind():
    far, near = bin_(1, 2, path_seq=30), bin_(2, 2, path_seq=10)
    assert allocate(3, [far, near]) == [Allocation(2, 2), Allocation(1, 1)]


def test_allocation_orders_equal_positions_by_lot_then_serial_then_quant():
    units = [bin_(3, 1, lot="B"), bin_(2, 1, lot="A", serial="S2"), bin_(1, 1, lot="A", serial="S1")]
    assert [a.quant_id for a in allocate(3, units)] == [1, 2, 3]


def test_allocation_never_takes_more_than_a_bin_has():
    assert allocate(10, [bin_(1, 4), bin_(2, 3)]) == [Allocation(1, 4), Allocation(2, 3)]


def test_allocation_short_of_stock_returns_fewer_units_than_asked_never_more():
    taken = allocate(10, [bin_(1, 4)])
    assert sum(a.quantity for a in taken) == 4


def test_allocation_takes_nothing_from_locations_that_never_feed_orders():
    assert (
        allocate(2, [bin_(1, 5, kind="returns"), bin_(2, 5, kind="quarantine"), bin_(3, 5, kind="pack")])
        == []
    )


def test_allocation_skips_bins_with_nothing_free():
    assert allocate(1, [bin_(1, 0), bin_(2, -1), bin_(3, 1)]) == [Allocation(3, 1)]


@pytest.mark.parametrize("need", [0, -3])
def test_allocating_nothing_or_less_takes_nothing(need):
    assert allocate(need, [bin_(1, 5)]) == []


def test_allocation_stops_as_soon_as_the_need_is_met():
    assert allocate(2, [bin_(1, 2, path_seq=1), bin_(2, 9, path_seq=2)]) == [Allocation(1, 2)]


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [1, 7, 10_000])
def test_a_whole_number_above_zero_is_a_quantity(quantity):
    assert require_positive(quantity) == quantity


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None])
def test_zero_negative_fractional_text_or_boolean_is_not_a_quantity(quantity):
    with pytest.raises(Invalid, match="whole number above zero"):
        require_positive(quantity)


def test_the_refusal_names_what_was_counted():
    with pytest.raises(Invalid, match="missing quantity"):
        require_positive(0, "missing quantity")


# --- what a movement must name ----------------------------------------------------------------


def test_a_serial_tracked_unit_moves_with_its_serial_one_at_a_time():
    check_identity(sku="PHONE", tracking=Tracking.SERIAL, quantity=1, lot="", serial="SN1")
    with pytest.raises(Invalid, match="scan the unit's serial"):
        check_identity(sku="PHONE", tracking=Tracking.SERIAL, quantity=1, lot="", serial="")
    with pytest.raises(Invalid, match="a serial number is one unit"):
        check_identity(sku="PHONE", tracking=Tracking.SERIAL, quantity=2, lot="", serial="SN1")


def test_an_item_without_serials_refuses_a_serial_number():
    with pytest.raises(Invalid, match="not serial-tracked"):
        check_identity(sku="TEE", tracking=Tracking.NONE, quantity=1, lot="", serial="SN1")


def test_a_lot_tracked_item_needs_its_lot():
    check_identity(sku="MILK", tracking=Tracking.LOT, quantity=5, lot="L1", serial="")
    with pytest.raises(Invalid, match="lot is required"):
        check_identity(sku="MILK", tracking=Tracking.LOT, quantity=5, lot="", serial="")


def test_a_movement_of_no_units_is_refused_whatever_the_tracking():
    with pytest.raises(Invalid):
        check_identity(sku="TEE", tracking=Tracking.NONE, quantity=0, lot="", serial="")


# --- purchase orders --------------------------------------------------------------------------


def test_a_purchase_order_is_received_then_closed():
    assert PURCHASE_ORDERS.move("open", PurchaseOrderStatus.RECEIVED) == PurchaseOrderStatus.RECEIVED
    assert PURCHASE_ORDERS.move("received", PurchaseOrderStatus.CLOSED) == "closed"


def test_a_closed_purchase_order_does_not_reopen():
    assert PURCHASE_ORDERS.final() == {PurchaseOrderStatus.CLOSED}
    with pytest.raises(IllegalTransition, match="closed and cannot become open"):
        PURCHASE_ORDERS.move("closed", PurchaseOrderStatus.OPEN)


def test_an_unknown_purchase_order_state_is_invalid():
    with pytest.raises(Invalid):
        PURCHASE_ORDERS.state("lost")


# --- GS1 --------------------------------------------------------------------------------------


def test_an_sscc_ends_in_its_gs1_mod_10_check_digit():
    # GS1's own example: extension 1, company prefix 0614141, serial reference 123456789 -> check digit 7
    assert (
        sscc(extension_digit=1, company_prefix="0614141", serial_reference=123456789) == "106141411234567897"
    )


def test_an_sscc_is_eighteen_digits_whatever_the_prefix_length():
    for prefix in ("061414", "0614141", "950600013435"[:12]):
        code = sscc(extension_digit=0, company_prefix=prefix, serial_reference=1)
        assert len(code) == 18
        assert code.isdigit()


def test_an_sscc_pads_the_serial_reference_to_fill_the_payload():
    assert sscc(extension_digit=0, company_prefix="0614141", serial_reference=1).startswith("006141410000000")


@pytest.mark.parametrize("prefix", ["12345", "1234567890123", "06141A1"])
def test_a_company_prefix_is_six_to_twelve_digits(prefix):
    with pytest.raises(Invalid, match="company prefix"):
        sscc(extension_digit=0, company_prefix=prefix, serial_reference=1)


@pytest.mark.parametrize("digit", [-1, 10])
def test_the_extension_digit_is_one_digit(digit):
    with pytest.raises(Invalid, match="extension digit"):
        sscc(extension_digit=digit, company_prefix="0614141", serial_reference=1)


def test_a_serial_reference_too_long_for_the_prefix_is_refused():
    with pytest.raises(Invalid, match="does not fit in 9 digits"):
        sscc(extension_digit=0, company_prefix="0614141", serial_reference=10**9)
