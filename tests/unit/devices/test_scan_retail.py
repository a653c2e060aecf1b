"""Retail symbols as scanners really send them: no AIM id, ITF-14 cartons, GS1 Digital Link URIs.

Values come from sources the project did not write: python-stdnum's list of real ISBNs, biip's own
tests and documentation (biip 5.2.0 sdist, tests/gtin/test_parse.py, tests/test_parse.py,
tests/test_gs1_digital_link_uris.py), the zbar 0.23.92 example images' contents and GS1's
General Specifications examples quoted in PRODUCT.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from devices.scan import parse_scan

DATA = Path(__file__).parent / "data"
STDNUM_ISBN13 = [
    line.strip()
    for line in (DATA / "stdnum_isbn13.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def test_every_real_isbn_sent_without_an_aim_id_is_a_gtin() -> None:
    # Before: each of these parsed as the GS1 element string AI 97 (company internal) -> kind "gs1".
    scans = [parse_scan(isbn) for isbn in STDNUM_ISBN13]
    assert len(scans) == 163
    assert [(s.kind, s.gtin) for s in scans] == [("gtin", "0" + isbn) for isbn in STDNUM_ISBN13]


@pytest.mark.parametrize(
    ("sent", "gtin"),
    [
        ("96385074", "00000096385074"),  # GTIN-8, biip tests/gtin/test_parse.py
        ("614141000036", "00614141000036"),  # GTIN-12 (UPC-A), biip tests/gtin/test_parse.py
        ("036000291452", "00036000291452"),  # GTIN-12, biip tests/gtin/test_parse.py
        ("5901234123457", "05901234123457"),  # GTIN-13, biip tests/gtin/test_parse.py
        ("9789876543217", "09789876543217"),  # zbar 0.23.92 examples/ean-13.png
        ("98765430", "00000098765430"),  # zbar 0.23.92 examples/ean-8.png
        ("4006381333931", "04006381333931"),  # German EAN-13 (GS1 Germany prefix 400), the case
    ],
)
def test_an_ean_or_upc_without_an_aim_id_is_a_gtin(sent: str, gtin: str) -> None:
    scan = parse_scan(sent)
    assert (scan.kind, scan.gtin, scan.symbology) == ("gtin", gtin, None)


def test_a_bare_13_digit_string_with_a_wrong_check_digit_is_not_taken_for_a_gtin() -> None:
    # strict check digits: 4006381333931 is valid, ...932 is not (biip: "Expected 1, got 2")
    scan = parse_scan("4006381333932")
    assert scan.kind != "gtin"
    assert scan.gtin is None


def test_an_itf_14_carton_code_is_a_gtin() -> None:
    # biip 5.2.0 tests/test_parse.py: "]I105901234123457" is an ITF-14 GTIN
    scan = parse_scan("]I105901234123457")
    assert (scan.kind, scan.gtin, scan.symbology) == ("gtin", "05901234123457", "]I1")


def test_an_itf_14_without_the_check_digit_modifier_is_a_gtin_too() -> None:
    scan = parse_scan("]I015400141288763")
    assert (scan.kind, scan.gtin) == ("gtin", "15400141288763")


def test_an_itf_14_with_a_wrong_check_digit_is_unknown_with_the_reason() -> None:
    scan = parse_scan("]I015400141288764")
    assert (scan.kind, scan.error) == (
        "unknown",
        "Invalid GTIN check digit for '15400141288764': Expected 3, got 4.",
    )


def test_a_short_interleaved_2_of_5_is_text() -> None:
    # zbar 0.23.92 examples/i2-5.png holds the 10 digits 9876543210: ITF, but not a GTIN
    scan = parse_scan("]I09876543210")
    assert (scan.kind, scan.code) == ("text", "9876543210")


def test_a_gs1_digital_link_in_a_qr_code_gives_its_element_strings() -> None:
    # biip 5.2.0 tests/test_gs1_digital_link_uris.py
    scan = parse_scan("]Q1https://id.gs1.org/01/00614141123452/10/ABC123")
    assert (scan.kind, scan.gtin, scan.lot, scan.symbology) == ("gtin", "00614141123452", "ABC123", "]Q1")


def test_a_digital_link_with_query_attributes_keeps_the_expiry() -> None:
    scan = parse_scan("https://id.gs1.org/01/09506000134352/10/LOT1?17=261231")
    assert (scan.gtin, scan.lot, scan.expiry) == ("09506000134352", "LOT1", date(2026, 12, 31))


def test_a_digital_link_for_an_sscc_is_a_logistic_unit() -> None:
    # biip 5.2.0 tests/test_gs1_digital_link_uris.py; SSCC from PRODUCT.md
    scan = parse_scan("https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123")
    assert (scan.kind, scan.sscc, scan.elements["37"]) == ("sscc", "106141412345678908", "25")


def test_a_digital_link_with_a_wrong_check_digit_is_unknown() -> None:
    scan = parse_scan("https://id.gs1.org/01/09506000134353")
    assert scan.kind == "unknown"
    assert "check digit" in (scan.error or "")


def test_an_ordinary_url_stays_text() -> None:
    scan = parse_scan("]Q1https://github.com/mchehab/zbar")  # zbar 0.23.92 examples/qr-code.png
    assert (scan.kind, scan.code) == ("text", "https://github.com/mchehab/zbar")
