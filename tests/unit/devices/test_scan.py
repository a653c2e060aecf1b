"""What a scan means: PRODUCT.md's GS1 facts, Kaeru's own codes, and unreadable input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from biip.checksums import gs1_standard_check_digit

from devices.scan import GS, parse_scan

DATAMATRIX = "]d2" + "010950600013435210LOT1" + GS + "17261231"


@pytest.mark.parametrize(
    ("digits", "check"), [("10614141123456789", 7), ("0950600013435", 2), ("590123412345", 7)]
)
def test_gs1_check_digits_match_the_published_examples(digits: str, check: int) -> None:
    assert gs1_standard_check_digit(digits) == check


def test_the_gs1_datamatrix_example_gives_gtin_batch_and_expiry() -> None:
    scan = parse_scan(DATAMATRIX)
    assert (scan.kind, scan.symbology, scan.gtin, scan.lot, scan.expiry) == (
        "gtin",
        "]d2",
        "09506000134352",
        "LOT1",
        date(2026, 12, 31),
    )


def test_a_gs1_datamatrix_without_aim_id_is_still_read_when_it_carries_gs() -> None:
    scan = parse_scan("010950600013435210LOT1" + GS + "17261231")
    assert (scan.symbology, scan.gtin, scan.lot) == (None, "09506000134352", "LOT1")


def test_a_gs1_datamatrix_with_a_serial_keeps_the_serial() -> None:
    scan = parse_scan("]d2" + "0109506000134352" + "21SN0042" + GS + "10LOT1" + GS + "17261231")
    assert (scan.serial, scan.lot, scan.elements["17"]) == ("SN0042", "LOT1", "261231")


def test_a_gs_substitute_is_read_as_the_group_separator() -> None:
    scan = parse_scan("]d2010950600013435210LOT1^17261231", gs_substitute="^")
    assert (scan.lot, scan.expiry) == ("LOT1", date(2026, 12, 31))


def test_an_sscc_in_gs1_128_is_a_logistic_unit() -> None:
    scan = parse_scan("]C1" + "00106141412345678908")
    assert (scan.kind, scan.sscc) == ("sscc", "106141412345678908")


def test_an_sscc_with_a_wrong_check_digit_is_unknown() -> None:
    scan = parse_scan("]C1" + "00106141412345678909")
    assert (scan.kind, scan.error) == (
        "unknown",
        "Invalid SSCC check digit for '106141412345678909': Expected 8, got 9.",
    )


def test_a_gtin_with_a_wrong_check_digit_inside_a_datamatrix_is_unknown() -> None:
    scan = parse_scan("]d2" + "0109506000134353" + "10LOT1")
    assert scan.kind == "unknown"


def test_an_ean13_with_its_aim_id_is_a_gtin() -> None:
    scan = parse_scan("]E0" + "5901234123457")
    assert (scan.kind, scan.symbology, scan.gtin) == ("gtin", "]E0", "05901234123457")


def test_an_ean13_with_a_wrong_check_digit_is_unknown() -> None:
    assert parse_scan("]E0" + "5901234123458").kind == "unknown"


def test_a_ship_to_postal_code_is_kept_as_a_gs1_element() -> None:
    scan = parse_scan("]C1" + "42012345" + GS + "0109506000134352")
    assert (scan.elements["420"], scan.gtin) == ("12345", "09506000134352")


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("]C0LOC-A-01-02", "location", "A-01-02"),
        ("]C0LPN-00012345", "lpn", "00012345"),
        ("]C0RMA-4711", "rma", "4711"),
        ("]Q1RMA:k3y9tok", "rma", "k3y9tok"),
        ("]C0ORD-1001", "order", "1001"),
        ("LOC-B-07-01", "location", "B-07-01"),
    ],
)
def test_kaerus_own_codes_are_recognised_by_their_prefix(text: str, kind: str, code: str) -> None:
    scan = parse_scan(text)
    assert (scan.kind, scan.code) == (kind, code)


def test_a_bare_prefix_without_a_code_is_plain_text() -> None:
    assert parse_scan("LPN-").kind == "text"


def test_a_carrier_tracking_number_is_text() -> None:
    scan = parse_scan("]C01Z999AA10123456784")
    assert (scan.kind, scan.code) == ("text", "1Z999AA10123456784")


@pytest.mark.parametrize("garbled", ["", "LPN-\x07\x01", "\x00\x00", "]d2"])
def test_garbled_input_is_unknown_and_keeps_the_raw_text(garbled: str) -> None:
    scan = parse_scan(garbled)
    assert (scan.kind, scan.raw) == ("unknown", garbled)


def test_gs1_symbology_with_data_that_is_not_gs1_is_unknown_with_biips_reason() -> None:
    scan = parse_scan("]d2garbage")
    assert scan.kind == "unknown"
    assert "garbage" in (scan.error or "")


def test_a_group_separator_outside_gs1_data_is_unknown() -> None:
    assert parse_scan("]C0ABC" + GS + "DEF").kind == "unknown"


def test_the_line_terminator_is_not_part_of_the_raw_text() -> None:
    assert parse_scan("]C0LOC-A-01\r\n").raw == "]C0LOC-A-01"


def test_data_is_the_raw_text_without_the_aim_id() -> None:
    assert parse_scan(DATAMATRIX).data == DATAMATRIX[3:]


def test_when_the_scanner_sends_no_aim_ids_a_leading_bracket_is_data() -> None:
    scan = parse_scan("]C0ABC", aim=False)
    assert (scan.symbology, scan.code, scan.data) == (None, "]C0ABC", "]C0ABC")


def test_device_and_time_are_kept() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    scan = parse_scan("]C0LOC-A", device="scanner-1", at=at)
    assert (scan.device, scan.at) == ("scanner-1", at)


def test_the_same_code_read_again_gives_the_same_answer_for_each_device_and_time() -> None:
    """GS1 readings are remembered (a floor scans the same products all day); device and time are not."""
    at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    first = parse_scan("]d2010950600013435210LOT7", device="HH-1", at=at)
    again = parse_scan("]d2010950600013435210LOT7", device="HH-2", at=at.replace(hour=9))
    assert (
        (again.gtin, again.lot, again.kind)
        == (first.gtin, first.lot, first.kind)
        == ("09506000134352", "LOT7", "gtin")
    )
    assert (again.device, again.at.hour) == ("HH-2", 9)
    refused = [parse_scan("]C1ABC", device="HH-1").error for _ in range(2)]
    assert refused[0]
    assert refused[0] == refused[1]
