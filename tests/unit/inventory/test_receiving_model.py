"""The receiving station's pure decisions: first-expiry-first-out, over-receipt, count approval, and
where a plate is put away."""

from __future__ import annotations

from datetime import date

import pytest

from wms.errors import IllegalTransition
from wms.inventory.model import (
    COUNT_TASKS,
    Allocation,
    Available,
    Bin,
    CountTaskStatus,
    allocate,
    count_needs_approval,
    over_receipt,
    suggest_bin,
)


def lot(quant_id: int, expiry: date | None, *, kind: str = "storage", path_seq: int = 0) -> Available:
    return Available(quant_id, kind, path_seq, 5, lot=f"L{quant_id}", expiry=expiry)


def test_allocation_takes_the_first_lot_to_expire_even_from_reserve_behind_a_pick_face():
    late_face = lot(1, date(2027, 9, 30), kind="pick", path_seq=1)
    soon_reserve = lot(2, date(2026, 12, 31), kind="storage", path_seq=50)
    assert allocate(7, [late_face, soon_reserve]) == [Allocation(2, 5), Allocation(1, 2)]


def test_allocation_takes_dated_units_before_undated_ones():
    assert allocate(1, [lot(1, None), lot(2, date(2030, 1, 1))]) == [Allocation(2, 1)]


def test_allocation_of_one_expiry_still_follows_pick_faces_then_the_walking_path():
    day = date(2027, 1, 1)
    units = [lot(1, day, path_seq=3), lot(2, day, kind="pick", path_seq=9), lot(3, day, path_seq=1)]
    assert allocate(12, units) == [Allocation(2, 5), Allocation(3, 5), Allocation(1, 2)]


@pytest.mark.parametrize(
    ("expected", "received", "arriving", "over"),
    [(10, 0, 10, 0), (10, 8, 3, 1), (10, 10, 2, 2), (10, 12, 1, 1), (0, 0, 4, 4)],
)
def test_units_beyond_what_the_line_expects_are_an_over_receipt(expected, received, arriving, over):
    assert over_receipt(expected=expected, received=received, arriving=arriving) == over


@pytest.mark.parametrize(
    ("on_hand", "counted", "tolerance", "held"),
    [(10, 10, 0, False), (10, 9, 1, False), (10, 8, 1, True), (10, 12, 1, True), (0, 1, 0, True)],
)
def test_a_count_beyond_its_tolerance_waits_for_a_manager(on_hand, counted, tolerance, held):
    assert count_needs_approval(on_hand=on_hand, counted=counted, tolerance=tolerance) is held


def test_a_held_count_is_approved_or_rejected_and_a_counted_task_is_final():
    assert COUNT_TASKS.move(CountTaskStatus.AWAITING_APPROVAL, CountTaskStatus.COUNTED)
    assert COUNT_TASKS.move(CountTaskStatus.AWAITING_APPROVAL, CountTaskStatus.REJECTED)
    with pytest.raises(IllegalTransition):
        COUNT_TASKS.move(CountTaskStatus.COUNTED, CountTaskStatus.AWAITING_APPROVAL)
    with pytest.raises(IllegalTransition):
        COUNT_TASKS.move(CountTaskStatus.OPEN, CountTaskStatus.REJECTED)


def test_put_away_prefers_the_items_zone_then_its_own_bins_then_free_space():
    bins = [
        Bin("B-01-1", "bulk", 1, 0, 0),
        Bin("A-01-1", "reserve", 5, 0, 4, holds_item=True),
        Bin("A-02-1", "reserve", 2, 0, 0),
    ]
    assert suggest_bin(bins, quantity=3, zone="reserve") == bins[1]
    assert suggest_bin(bins, quantity=3) == bins[1]
    assert suggest_bin(bins[::2], quantity=3, zone="reserve") == bins[2]


def test_put_away_suggests_the_bin_with_most_room_and_never_one_too_small():
    small, roomy, full = Bin("A", "z", 1, 10, 8), Bin("B", "z", 9, 40, 10), Bin("C", "z", 0, 5, 5)
    assert suggest_bin([small, roomy, full], quantity=2) == roomy
    assert suggest_bin([small, full], quantity=3) is None


def test_equally_roomy_bins_are_suggested_nearest_on_the_walking_path():
    assert suggest_bin([Bin("A", "z", 7, 0, 0), Bin("B", "z", 3, 0, 0)], quantity=1).code == "B"
