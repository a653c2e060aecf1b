"""Label data is checked when it is built, with messages a person can act on."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from labels import samples
from labels.model import Address, GradeTagData, LocationLabelData, PackingSlipData, ReturnLabelData


def test_a_shipping_label_refuses_an_sscc_with_a_wrong_check_digit():
    with pytest.raises(ValueError, match="check digit"):
        dataclasses.replace(samples.SHIPPING, sscc="106141411234567890")


def test_a_shipping_label_needs_a_ship_to_postal_code_for_the_420_barcode():
    no_postal = dataclasses.replace(samples.SHOPPER_EN, postal_code="")
    with pytest.raises(ValueError, match="postal code"):
        dataclasses.replace(samples.SHIPPING, ship_to=no_postal)


def test_a_postal_code_is_carried_in_420_without_spaces():
    assert dataclasses.replace(samples.SHIPPING, ship_to=samples.SHOPPER_EN).postal_hri == "(420)NW16XE"


def test_a_grade_outside_the_rubric_is_refused():
    with pytest.raises(ValueError, match="grade must be one of A, B, C, D, X"):
        dataclasses.replace(samples.GRADE, grade="E")


def test_a_serial_without_a_gtin_is_refused_on_a_grade_tag():
    with pytest.raises(ValueError, match="GTIN"):
        GradeTagData("1", "SKU", "A", "restock", date(2025, 1, 1), serial="S1")


@pytest.mark.parametrize("code", ["", "A 01", "A^01", "-A01", "X" * 25, "Ä01"])
def test_a_code_that_cannot_be_printed_safely_is_refused(code):
    with pytest.raises(ValueError, match="cannot be printed"):
        LocationLabelData(code)


def test_an_rma_token_with_spaces_is_refused():
    with pytest.raises(ValueError, match="RMA token"):
        ReturnLabelData(samples.WAREHOUSE, "1", "not a token")


def test_an_address_needs_a_two_letter_country_code():
    with pytest.raises(ValueError, match="ISO 3166"):
        Address("A", ("street",), "City", "1", "Japan")


def test_a_packing_slip_needs_an_order_line():
    with pytest.raises(ValueError, match="at least one order line"):
        PackingSlipData("1", date(2025, 1, 1), samples.SHOPPER_EN, samples.WAREHOUSE, ())
