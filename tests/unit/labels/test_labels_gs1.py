"""SSCCs and GS1 element strings as printed on labels."""

from __future__ import annotations

import pytest

from labels.gs1 import element_string, make_sscc, sscc_human_readable, validate_sscc


def test_the_sscc_check_digit_is_the_gs1_mod_10_digit():
    assert make_sscc(1, "0614141", "123456789") == "106141411234567897"


def test_a_12_digit_company_prefix_leaves_four_digits_of_serial():
    sscc = make_sscc(0, "095060001343", "0001")
    assert len(sscc) == 18
    assert sscc.startswith("00950600013430001")


def test_the_sscc_is_printed_grouped_under_its_barcode():
    assert sscc_human_readable("106141411234567897") == "(00) 1 0614141 123456789 7"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, "06141X1", "123456789"), "digits only"),
        ((1, "0614141", "12345678"), "16 digits"),
        ((12, "0614141", "123456789"), "one digit"),
        ((1, "06141", "12345678901"), "6 to 12"),
    ],
)
def test_bad_sscc_parts_are_refused_with_a_reason(args, message):
    with pytest.raises(ValueError, match=message):
        make_sscc(*args)


@pytest.mark.parametrize(
    ("sscc", "message"),
    [
        ("106141411234567890", "check digit"),
        ("10614141123456789", "18 digits"),
        ("1061414112345678x7", "18 digits"),
        ("", "18 digits"),
    ],
)
def test_an_sscc_with_a_wrong_check_digit_length_or_character_is_refused(sscc, message):
    with pytest.raises(ValueError, match=message):
        validate_sscc(sscc)


def test_a_group_separator_follows_a_variable_length_field_but_not_a_fixed_one():
    assert element_string("(00)106141411234567897(420)12345") == "0010614141123456789742012345"
    assert element_string("(420)SW1A1AA(00)106141411234567897") == "420SW1A1AA\x1d00106141411234567897"


def test_gs1_data_with_an_unknown_ai_or_bad_check_digit_is_refused():
    with pytest.raises(ValueError, match="not valid GS1"):
        element_string("(00)106141411234567890")
    with pytest.raises(ValueError, match="not valid GS1"):
        element_string("(01)123")
