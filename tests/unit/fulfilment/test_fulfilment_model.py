"""The pure fulfilment decisions, on plain values: order status from lines, the lifecycles of orders,
pick tasks, cartons and shipments, carrier events, carton weights and tracking numbers."""

from __future__ import annotations

import pytest
from biip.checksums import gs1_standard_check_digit

from wms.errors import IllegalTransition, Invalid
from wms.fulfilment.model import (
    CARTONS,
    ORDERS,
    PICK_LINES,
    PICK_TASKS,
    SHIPMENTS,
    CartonStatus,
    LineProgress,
    OrderStatus,
    PickLineStatus,
    PickTaskStatus,
    ShipmentStatus,
    advance,
    check_carton_weight,
    next_shipment_status,
    order_status,
)


def line(
    quantity: int = 2, reserved: int = 0, picked: int = 0, packed: int = 0, shipped: int = 0
) -> LineProgress:
    return LineProgress(quantity, reserved, picked, packed, shipped)


# --- the status an order's lines give it ------------------------------------------------------


def test_an_order_whose_lines_are_all_held_is_reserved():
    assert (
        order_status([line(reserved=2), line(quantity=1, reserved=1)], current="new") == OrderStatus.RESERVED
    )


def test_an_order_with_a_line_not_fully_held_is_backordered():
    assert (
        order_status([line(reserved=2), line(quantity=3, reserved=1)], current="new")
        == OrderStatus.BACKORDERED
    )


def test_units_already_picked_count_as_held():
    assert order_status([line(quantity=3, reserved=1, picked=1)], current="reserved") == OrderStatus.PICKING
    assert order_status([line(quantity=2, reserved=1, picked=1)], current="picking") == OrderStatus.PICKING


def test_an_order_released_to_the_floor_stays_picking_until_everything_is_picked():
    assert order_status([line(reserved=2)], current="picking") == OrderStatus.PICKING
    assert order_status([line(picked=2)], current="picking") == OrderStatus.PICKED


def test_an_order_is_packed_and_then_shipped_when_every_line_is():
    assert order_status([line(picked=2, packed=2)], current="picked") == OrderStatus.PACKED
    assert (
        order_status([line(picked=2, packed=2), line(picked=2, packed=1)], current="picked")
        == OrderStatus.PICKED
    )
    assert order_status([line(picked=2, packed=2, shipped=2)], current="packed") == OrderStatus.SHIPPED


@pytest.mark.parametrize("kept", ["cancelled", "delivered"])
def test_cancelled_and_delivered_orders_keep_their_status_whatever_their_lines_say(kept):
    assert order_status([line(picked=2, packed=2, shipped=2)], current=kept) == kept


def test_an_order_without_lines_keeps_its_status():
    assert order_status([], current="new") == OrderStatus.NEW


# --- order lifecycle --------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["new", "reserved", "backordered", "picking", "picked"])
def test_an_order_can_be_cancelled_until_it_is_packed(state):
    assert ORDERS.move(state, OrderStatus.CANCELLED) == OrderStatus.CANCELLED


@pytest.mark.parametrize("state", ["packed", "shipped", "delivered"])
def test_a_packed_shipped_or_delivered_order_cannot_be_cancelled(state):
    with pytest.raises(IllegalTransition, match=f"is {state} and cannot become cancelled"):
        ORDERS.move(state, OrderStatus.CANCELLED, what="order O-1")


def test_cancelled_and_delivered_are_the_end_of_an_order():
    assert ORDERS.final() == {OrderStatus.CANCELLED, OrderStatus.DELIVERED}


def test_an_order_is_delivered_only_once_a_carton_can_be_on_its_way():
    assert ORDERS.allows("shipped", OrderStatus.DELIVERED)
    assert not ORDERS.allows("reserved", OrderStatus.DELIVERED)
    assert not ORDERS.allows("new", OrderStatus.DELIVERED)


def test_a_cancelled_order_does_not_come_back():
    with pytest.raises(IllegalTransition):
        ORDERS.move("cancelled", OrderStatus.RESERVED)


def test_staying_in_the_same_state_is_no_move_and_always_allowed():
    assert advance(ORDERS, "delivered", OrderStatus.DELIVERED) == OrderStatus.DELIVERED
    with pytest.raises(IllegalTransition):
        advance(ORDERS, "delivered", OrderStatus.SHIPPED)


def test_an_illegal_move_names_the_object_where_it_is_and_where_it_was_asked_to_go():
    with pytest.raises(IllegalTransition) as refused:
        ORDERS.move("shipped", OrderStatus.CANCELLED, what="order O-7")
    assert refused.value.message == "order O-7 is shipped and cannot become cancelled"
    assert refused.value.details == {"state": "shipped", "target": "cancelled"}


def test_an_unknown_stored_status_is_invalid_not_silently_accepted():
    with pytest.raises(Invalid):
        order_status([line()], current="lost")


# --- pick tasks, pick lines and cartons -------------------------------------------------------


def test_a_pick_task_goes_from_open_through_in_progress_to_done():
    assert PICK_TASKS.move("open", PickTaskStatus.IN_PROGRESS) == "in_progress"
    assert PICK_TASKS.move("in_progress", PickTaskStatus.DONE) == "done"


def test_a_task_whose_every_line_is_short_is_done_without_being_worked():
    assert PICK_TASKS.allows("open", PickTaskStatus.DONE)


def test_a_done_task_is_not_reopened():
    with pytest.raises(IllegalTransition):
        PICK_TASKS.move("done", PickTaskStatus.IN_PROGRESS)


def test_a_pick_line_ends_done_or_short_and_stays_so():
    assert PICK_LINES.move("open", PickLineStatus.SHORT) == "short"
    assert PICK_LINES.final() == {PickLineStatus.DONE, PickLineStatus.SHORT}
    with pytest.raises(IllegalTransition):
        PICK_LINES.move("done", PickLineStatus.SHORT)


def test_a_carton_is_closed_before_it_is_shipped():
    assert CARTONS.move("open", CartonStatus.CLOSED) == "closed"
    assert CARTONS.move("closed", CartonStatus.SHIPPED) == "shipped"
    with pytest.raises(IllegalTransition):
        CARTONS.move("open", CartonStatus.SHIPPED)
    with pytest.raises(IllegalTransition):
        CARTONS.move("shipped", CartonStatus.OPEN)


# --- shipments and carrier events -------------------------------------------------------------


def test_a_shipment_leaves_with_the_carrier_only_from_label_created():
    assert SHIPMENTS.move("label_created", ShipmentStatus.SHIPPED) == "shipped"
    with pytest.raises(IllegalTransition):
        SHIPMENTS.move("label_created", ShipmentStatus.DELIVERED)


def test_carrier_events_move_a_shipment_forward():
    assert next_shipment_status("shipped", "in_transit") == ShipmentStatus.IN_TRANSIT
    assert next_shipment_status("in_transit", "out_for_delivery") == ShipmentStatus.OUT_FOR_DELIVERY
    assert next_shipment_status("out_for_delivery", "delivered") == ShipmentStatus.DELIVERED


def test_a_late_older_event_never_moves_a_shipment_backwards():
    assert next_shipment_status("out_for_delivery", "in_transit") == ShipmentStatus.OUT_FOR_DELIVERY


def test_an_exception_can_follow_anything_but_delivery():
    assert next_shipment_status("out_for_delivery", "exception") == ShipmentStatus.EXCEPTION
    assert next_shipment_status("delivered", "exception") == ShipmentStatus.DELIVERED


def test_a_shipment_recovers_from_an_exception():
    assert next_shipment_status("exception", "in_transit") == ShipmentStatus.IN_TRANSIT


def test_every_status_a_carrier_event_gives_is_a_legal_move():
    for state in ShipmentStatus:
        if state == ShipmentStatus.LABEL_CREATED:
            continue  # events are refused before the carrier has the parcel
        for kind in ("in_transit", "out_for_delivery", "delivered", "exception"):
            target = next_shipment_status(state, kind)
            assert target == state or SHIPMENTS.allows(state, target), (state, kind)


def test_a_delivered_shipment_is_final():
    assert SHIPMENTS.final() == {ShipmentStatus.DELIVERED}


# --- carton weight ----------------------------------------------------------------------------


def test_a_carton_is_expected_to_weigh_its_contents_plus_its_packaging():
    check = check_carton_weight(
        item_weights_g=[250, 250], tare_g=180, measured_g=680, tolerance_pct=5, tolerance_min_g=20
    )
    assert (check.expected_g, check.deviation_g, check.ok) == (680, 0, True)


def test_a_carton_within_the_tolerance_passes_and_one_beyond_it_does_not():
    def weighed(measured: int) -> bool:
        return check_carton_weight(
            item_weights_g=[1000], tare_g=0, measured_g=measured, tolerance_pct=5, tolerance_min_g=20
        ).ok

    assert weighed(1050)
    assert weighed(950)
    assert not weighed(1051)
    assert not weighed(949)


def test_a_light_carton_gets_the_minimum_tolerance():
    check = check_carton_weight(
        item_weights_g=[100], tare_g=0, measured_g=125, tolerance_pct=5, tolerance_min_g=20
    )
    assert check.tolerance_g == 20
    assert not check.ok


# --- GS1 check digits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "digit"), [("10614141123456789", 7), ("0950600013435", 2), ("590123412345", 7)]
)
def test_the_check_digit_library_gives_gs1s_published_check_digits(payload, digit):
    assert gs1_standard_check_digit(payload) == digit
