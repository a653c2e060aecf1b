"""Reading and writing the three-string `~HS` answer of a ZPL printer."""

from __future__ import annotations

import pytest

from devices.printers.status import HEAD_OPEN, PAPER_OUT, PAUSED, RIBBON_OUT
from devices.printers.zpl_status import (
    HostStatusError,
    ZplHostStatus,
    complete_answer,
    encode_host_status,
    parse_host_status,
)


def answer(one: str, two: str, three: str = "1234,0") -> bytes:
    return b"".join(b"\x02" + line.encode() + b"\x03\r\n" for line in (one, two, three))


READY = answer("030,0,0,1218,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")


def test_a_ready_printer_answer_reads_as_ready_and_drained() -> None:
    status = parse_host_status(READY).to_printer_status()
    assert status.state == "ready"
    assert status.ready
    assert status.drained
    assert status.faults == frozenset()


def test_the_paper_out_flag_is_the_second_field_of_the_first_string() -> None:
    data = answer("030,1,0,1218,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")
    status = parse_host_status(data).to_printer_status()
    assert status.state == "fault"
    assert status.faults == {PAPER_OUT}
    assert not status.ready


def test_the_pause_flag_is_the_third_field_of_the_first_string() -> None:
    data = answer("030,0,1,1218,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")
    assert parse_host_status(data).to_printer_status().faults == {PAUSED}


def test_the_head_up_flag_is_the_third_field_of_the_second_string() -> None:
    data = answer("030,0,0,1218,000,0,0,0,000,0,0,0", "001,0,1,0,1,2,4,0,00000000,1,000")
    assert parse_host_status(data).to_printer_status().faults == {HEAD_OPEN}


def test_the_ribbon_out_flag_is_the_fourth_field_of_the_second_string() -> None:
    data = answer("030,0,0,1218,000,0,0,0,000,0,0,0", "001,0,0,1,1,2,4,0,00000000,1,000")
    assert parse_host_status(data).to_printer_status().faults == {RIBBON_OUT}


def test_a_full_receive_buffer_blocks_new_jobs() -> None:
    data = answer("030,0,0,1218,064,1,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")
    status = parse_host_status(data).to_printer_status()
    assert status.faults == {"buffer_full"}
    assert not status.ready


def test_formats_in_buffer_and_labels_remaining_mean_busy_not_drained() -> None:
    data = answer("030,0,0,1218,002,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000003,1,000")
    host = parse_host_status(data)
    assert host.formats_in_buffer == 2
    assert host.labels_remaining == 3
    status = host.to_printer_status()
    assert status.state == "busy"
    assert status.ready
    assert not status.drained


def test_a_partial_format_in_progress_is_not_drained() -> None:
    data = answer("030,0,0,1218,000,0,0,1,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")
    assert not parse_host_status(data).to_printer_status().drained


def test_an_over_temperature_head_is_a_fault() -> None:
    data = answer("030,0,0,1218,000,0,0,0,000,0,0,1", "001,0,0,0,1,2,4,0,00000000,1,000")
    assert parse_host_status(data).to_printer_status().faults == {"head_temperature"}


def test_an_answer_with_two_strings_is_incomplete() -> None:
    partial = READY[: READY.rindex(b"\x02")]
    assert not complete_answer(partial)
    with pytest.raises(HostStatusError):
        parse_host_status(partial)


def test_a_flag_that_is_not_zero_or_one_is_rejected() -> None:
    data = answer("030,X,0,1218,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,4,0,00000000,1,000")
    with pytest.raises(HostStatusError, match="paper out"):
        parse_host_status(data)


def test_a_string_with_missing_fields_is_rejected() -> None:
    with pytest.raises(HostStatusError, match="12, 11 and 2"):
        parse_host_status(answer("030,0,0,1218", "001,0,0,0,1,2,4,0,00000000,1,000"))


def test_the_simulator_encoding_writes_the_zebra_field_layout() -> None:
    encoded = encode_host_status(ZplHostStatus(paper_out=True, formats_in_buffer=1, labels_remaining=5))
    assert encoded == answer("030,1,0,1218,001,0,0,0,000,0,0,0", "001,0,0,0,0,2,4,0,00000005,1,000")
    assert parse_host_status(encoded).labels_remaining == 5
