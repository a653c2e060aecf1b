"""A code held in view is one scan; it counts again only after it has left the view for a while."""

from __future__ import annotations

from devices.camera.in_view import CodesInView


def test_a_code_seen_for_the_first_time_is_new() -> None:
    assert CodesInView().see(["]C0LPN-1"], 10.0) == ["]C0LPN-1"]


def test_a_code_held_in_view_for_many_frames_is_new_only_once() -> None:
    view = CodesInView(leave_after_s=1.0)
    new = [code for i in range(100) for code in view.see(["]C0LPN-1"], 10.0 + i * 0.033)]
    assert new == ["]C0LPN-1"]


def test_frames_that_missed_a_held_code_do_not_make_it_new_again() -> None:
    view = CodesInView(leave_after_s=1.0)
    view.see(["]C0LPN-1"], 10.0)
    view.see([], 10.3)
    view.see([], 10.6)
    assert view.see(["]C0LPN-1"], 10.9) == []


def test_a_code_that_left_the_view_for_longer_than_the_leave_time_is_new_again() -> None:
    view = CodesInView(leave_after_s=1.0)
    view.see(["]C0LPN-1"], 10.0)
    assert view.see(["]C0LPN-1"], 11.5) == ["]C0LPN-1"]


def test_two_codes_in_one_frame_are_both_new() -> None:
    assert CodesInView().see(["]C0LPN-1", "]Q1RMA:x"], 1.0) == ["]C0LPN-1", "]Q1RMA:x"]


def test_the_same_code_twice_in_one_frame_is_new_once() -> None:
    assert CodesInView().see(["]Q1RMA:x", "]Q1RMA:x"], 1.0) == ["]Q1RMA:x"]
