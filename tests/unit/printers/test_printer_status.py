"""The driver-neutral printer status and the decision whether a job may be sent."""

from __future__ import annotations

from devices.printers.status import PAPER_LOW, PAPER_OUT, status_from_faults, unreachable


def test_paper_low_is_a_warning_and_the_printer_still_takes_jobs() -> None:
    status = status_from_faults(frozenset({PAPER_LOW}))
    assert status.state == "ready"
    assert status.ready


def test_paper_out_is_a_fault_that_stops_jobs() -> None:
    status = status_from_faults(frozenset({PAPER_OUT, PAPER_LOW}))
    assert status.state == "fault"
    assert not status.ready
    assert status.detail == "paper low, out of paper"


def test_an_unreachable_printer_is_offline_and_not_ready() -> None:
    status = unreachable("connection refused")
    assert status.state == "offline"
    assert not status.ready
    assert not status.drained
