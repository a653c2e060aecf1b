"""Reading the four DLE EOT real-time status bytes of an ESC/POS printer."""

from __future__ import annotations

import pytest

from devices.printers.escpos_status import StatusByteError, parse_status_bytes, status_queries
from devices.printers.status import CUTTER_ERROR, HEAD_OPEN, OFFLINE, PAPER_LOW, PAPER_OUT

HEALTHY = bytes([0x12, 0x12, 0x12, 0x12])


def test_the_four_queries_are_dle_eot_one_to_four() -> None:
    assert status_queries() == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_fixed_bits_only_means_ready() -> None:
    status = parse_status_bytes(HEALTHY)
    assert status.state == "ready"
    assert status.faults == frozenset()


def test_paper_end_on_the_roll_sensor_is_paper_out() -> None:
    assert parse_status_bytes(bytes([0x1A, 0x32, 0x12, 0x72])).faults == {PAPER_OUT}


def test_paper_near_end_is_only_a_warning() -> None:
    status = parse_status_bytes(bytes([0x12, 0x12, 0x12, 0x1E]))
    assert status.faults == {PAPER_LOW}
    assert status.ready


def test_an_open_cover_is_the_offline_cause_bit_two() -> None:
    assert parse_status_bytes(bytes([0x1A, 0x16, 0x12, 0x12])).faults == {HEAD_OPEN}


def test_an_autocutter_error_is_reported() -> None:
    assert parse_status_bytes(bytes([0x1A, 0x52, 0x1A, 0x12])).faults == {CUTTER_ERROR}


def test_offline_without_a_cause_is_reported_as_offline() -> None:
    assert parse_status_bytes(bytes([0x1A, 0x12, 0x12, 0x12])).faults == {OFFLINE}


def test_a_byte_with_wrong_fixed_bits_is_not_a_status_answer() -> None:
    with pytest.raises(StatusByteError):
        parse_status_bytes(bytes([0x12, 0x12, 0x12, 0x41]))


def test_three_bytes_are_not_enough() -> None:
    with pytest.raises(StatusByteError):
        parse_status_bytes(HEALTHY[:3])
