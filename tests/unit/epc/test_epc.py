"""EPC decoding and encoding: PRODUCT.md's facts, Kaeru's own checks, and round-trips."""

from __future__ import annotations

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st

from devices.epc import InvalidEpc, check_sgtin96_serial, decode_epc, encode_sgtin96, encode_sscc96

PRODUCT_SGTIN = "3074257BF7194E4000001A85"


def test_the_product_sgtin_decodes_to_its_tag_uri() -> None:
    assert decode_epc(PRODUCT_SGTIN).tag_uri == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"


def test_the_product_sgtin_carries_gtin_80614141123458_and_serial_6789() -> None:
    meaning = decode_epc(PRODUCT_SGTIN)
    assert (meaning.kind, meaning.gtin, meaning.serial) == ("sgtin", "80614141123458", "6789")


def test_the_product_sgtin_uses_partition_5() -> None:
    meaning = decode_epc(PRODUCT_SGTIN)
    assert (meaning.partition, meaning.company_prefix, meaning.filter) == (5, "0614141", 3)


def test_encoding_the_product_gtin_with_filter_1_gives_the_product_epc() -> None:
    epc = encode_sgtin96("80614141123458", "6789", company_prefix_length=7, filter_value=1)
    assert epc == "3034257BF7194E4000001A85"


def test_encoding_the_product_gtin_with_filter_3_gives_the_product_epc() -> None:
    assert encode_sgtin96("80614141123458", "6789", company_prefix_length=7, filter_value=3) == PRODUCT_SGTIN


def test_the_product_sscc_encodes_to_the_product_pure_identity() -> None:
    epc = encode_sscc96("106141412345678908", company_prefix_length=7)
    meaning = decode_epc(epc)
    assert (meaning.kind, meaning.pure_uri) == ("sscc", "urn:epc:id:sscc:0614141.1234567890")


def test_the_product_sscc_decodes_back_to_its_eighteen_digits() -> None:
    assert (
        decode_epc(encode_sscc96("106141412345678908", company_prefix_length=7)).sscc == "106141412345678908"
    )


def test_a_serial_with_a_leading_zero_is_refused_for_sgtin96() -> None:
    with pytest.raises(InvalidEpc, match="leading zeros"):
        encode_sgtin96("80614141123458", "0123", company_prefix_length=7)


def test_a_serial_of_two_to_the_38_is_refused_for_sgtin96() -> None:
    with pytest.raises(InvalidEpc, match="below 2"):
        check_sgtin96_serial(str(2**38))


def test_the_largest_sgtin96_serial_is_accepted() -> None:
    check_sgtin96_serial(str(2**38 - 1))


def test_a_serial_zero_is_accepted_for_sgtin96() -> None:
    check_sgtin96_serial("0")


def test_an_alphanumeric_serial_is_refused_for_sgtin96() -> None:
    with pytest.raises(InvalidEpc, match="numeric"):
        check_sgtin96_serial("12A")


def test_a_gtin_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidEpc, match="check digit"):
        encode_sgtin96("80614141123459", "6789", company_prefix_length=7)


def test_a_filter_outside_three_bits_is_refused() -> None:
    with pytest.raises(InvalidEpc, match="filter"):
        encode_sgtin96("80614141123458", "6789", company_prefix_length=7, filter_value=8)


def test_an_epc_of_the_wrong_length_is_unknown() -> None:
    meaning = decode_epc("3074257BF7194E4000001A")
    assert meaning.kind == "unknown"
    assert "88 bits" in (meaning.error or "")


def test_an_epc_with_an_unknown_header_is_unknown() -> None:
    meaning = decode_epc("E28011606000020D2A4C3B01")
    assert meaning.kind == "unknown"
    assert "0xE2" in (meaning.error or "")


def test_an_epc_that_is_not_hex_is_unknown() -> None:
    assert decode_epc("3074257BF7194E4000001AZZ").kind == "unknown"


def test_an_sgtin_with_partition_7_is_unknown() -> None:
    value = int(PRODUCT_SGTIN, 16) | (0b111 << 82)
    meaning = decode_epc(f"{value:024X}")
    assert meaning.kind == "unknown"
    assert "partition 7" in (meaning.error or "")


def test_an_sgtin_whose_company_prefix_overflows_its_digits_is_unknown() -> None:
    # partition 5: 24-bit company prefix, 7 digits; 0xFFFFFF = 16777215 has 8 digits
    value = (0x30 << 88) | (1 << 85) | (5 << 82) | (0xFFFFFF << 58) | 1
    assert decode_epc(f"{value:024X}").kind == "unknown"


def test_an_sscc_with_bits_in_the_unallocated_field_is_unknown() -> None:
    epc = encode_sscc96("106141412345678908", company_prefix_length=7)
    meaning = decode_epc(epc[:-1] + "1")
    assert meaning.kind == "unknown"
    assert "unallocated" in (meaning.error or "")


@st.composite
def gtins_with_prefix_length(draw: st.DrawFn) -> tuple[str, int]:
    body = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    return body + str(gs1_standard_check_digit(body)), draw(st.integers(min_value=6, max_value=12))


@given(
    gtin_and_length=gtins_with_prefix_length(),
    serial=st.integers(min_value=0, max_value=2**38 - 1),
    filter_value=st.integers(min_value=0, max_value=7),
)
def test_any_valid_gtin_and_serial_round_trip_through_sgtin96(
    gtin_and_length: tuple[str, int], serial: int, filter_value: int
) -> None:
    gtin, prefix_length = gtin_and_length
    meaning = decode_epc(
        encode_sgtin96(gtin, str(serial), company_prefix_length=prefix_length, filter_value=filter_value)
    )
    assert (meaning.gtin, meaning.serial, meaning.filter, len(meaning.company_prefix or "")) == (
        gtin,
        str(serial),
        filter_value,
        prefix_length,
    )


@given(
    body=st.text(alphabet="0123456789", min_size=17, max_size=17),
    prefix_length=st.integers(min_value=6, max_value=12),
    filter_value=st.integers(min_value=0, max_value=7),
)
def test_any_valid_sscc_round_trips_through_sscc96(body: str, prefix_length: int, filter_value: int) -> None:
    sscc = body + str(gs1_standard_check_digit(body))
    meaning = decode_epc(encode_sscc96(sscc, company_prefix_length=prefix_length, filter_value=filter_value))
    assert (meaning.kind, meaning.sscc, meaning.filter) == ("sscc", sscc, filter_value)


@given(st.binary(min_size=0, max_size=20))
def test_decoding_arbitrary_bytes_never_raises(data: bytes) -> None:
    assert decode_epc(data.hex()).kind in {"sgtin", "sscc", "unknown"}


@given(st.integers(min_value=0, max_value=2**88 - 1), st.sampled_from([0x30, 0x31]))
def test_decoding_any_96_bits_with_a_known_header_never_raises(rest: int, header: int) -> None:
    meaning = decode_epc(f"{(header << 88) | rest:024X}")
    assert meaning.kind in {"sgtin", "sscc", "unknown"}
