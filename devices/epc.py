"""EPC Tag Data Standard: what the 96 bits of an RFID tag's EPC mean (SGTIN-96 and SSCC-96).

Binary coding is epcpy's; Kaeru checks the fields itself first (header, filter, partition table,
field ranges, SGTIN-96 serial rules) because EPC libraries accept things the standard forbids,
e.g. the serial "0123", which SGTIN-96 cannot carry. Decoding never raises: whatever a reader
sends becomes an `EpcMeaning`, "unknown" with the reason when it is not a valid SGTIN/SSCC-96.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from biip.checksums import gs1_standard_check_digit
from epcpy import hex_to_tag_encodable
from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue
from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue

SGTIN96_HEADER = 0x30
SSCC96_HEADER = 0x31
SERIAL_LIMIT = 2**38  # SGTIN-96 serial: 38 bits

EpcKind = Literal["sgtin", "sscc", "unknown"]

# Partition value -> (company prefix bits, company prefix digits, other field bits, other field digits).
# SGTIN: the other field is indicator digit + item reference; SSCC: extension digit + serial reference.
SGTIN_PARTITIONS: dict[int, tuple[int, int, int, int]] = {
    0: (40, 12, 4, 1),
    1: (37, 11, 7, 2),
    2: (34, 10, 10, 3),
    3: (30, 9, 14, 4),
    4: (27, 8, 17, 5),
    5: (24, 7, 20, 6),
    6: (20, 6, 24, 7),
}
SSCC_PARTITIONS: dict[int, tuple[int, int, int, int]] = {
    0: (40, 12, 18, 5),
    1: (37, 11, 21, 6),
    2: (34, 10, 24, 7),
    3: (30, 9, 28, 8),
    4: (27, 8, 31, 9),
    5: (24, 7, 34, 10),
    6: (20, 6, 38, 11),
}

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_DIGITS = re.compile(r"^[0-9]+$")


class InvalidEpc(ValueError):
    """A value that cannot be coded as the EPC asked for."""


@dataclass(frozen=True, slots=True)
class EpcMeaning:
    """What an EPC identifies; `kind` is "unknown" (with `error`) for anything not SGTIN/SSCC-96."""

    epc: str  # upper-case hex, as read
    kind: EpcKind
    filter: int | None = None
    partition: int | None = None
    company_prefix: str | None = None
    tag_uri: str | None = None  # urn:epc:tag:sgtin-96:3.0614141.812345.6789
    pure_uri: str | None = None  # urn:epc:id:sgtin:0614141.812345.6789
    gtin: str | None = None  # 14 digits
    serial: str | None = None
    sscc: str | None = None  # 18 digits
    error: str | None = None


def check_sgtin96_serial(serial: str) -> None:
    """Raise InvalidEpc unless `serial` can be an SGTIN-96 serial: digits, no leading zero, below 2^38."""
    if not _DIGITS.fullmatch(serial):
        raise InvalidEpc(f"SGTIN-96 serial must be numeric, got {serial!r}")
    if len(serial) > 1 and serial[0] == "0":
        raise InvalidEpc(f"SGTIN-96 serial must not have leading zeros, got {serial!r}")
    if int(serial) >= SERIAL_LIMIT:
        raise InvalidEpc(f"SGTIN-96 serial must be below 2^38 ({SERIAL_LIMIT}), got {serial}")


def _check_filter(filter_value: int) -> None:
    if not 0 <= filter_value <= 7:
        raise InvalidEpc(f"filter must be 0..7, got {filter_value}")


def _check_key(digits: str, length: int, name: str) -> None:
    if not _DIGITS.fullmatch(digits) or len(digits) != length:
        raise InvalidEpc(f"{name} must be {length} digits, got {digits!r}")
    if str(gs1_standard_check_digit(digits[:-1])) != digits[-1]:
        raise InvalidEpc(
            f"{name} {digits} has a wrong check digit (expected {gs1_standard_check_digit(digits[:-1])})"
        )


def _check_prefix_length(company_prefix_length: int) -> None:
    if not 6 <= company_prefix_length <= 12:
        raise InvalidEpc(f"company prefix length must be 6..12, got {company_prefix_length}")


def encode_sgtin96(gtin: str, serial: str, *, company_prefix_length: int, filter_value: int = 1) -> str:
    """The SGTIN-96 EPC (24 hex digits) for a GTIN and serial. Raises InvalidEpc on bad input."""
    gtin = gtin.zfill(14)
    _check_key(gtin, 14, "GTIN")
    check_sgtin96_serial(serial)
    _check_filter(filter_value)
    _check_prefix_length(company_prefix_length)
    sgtin = SGTIN.from_gtin_plus_serial(gtin, serial, company_prefix_length)
    epc = sgtin.hex(
        binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
        filter_value=SGTINFilterValue(str(filter_value)),
    )
    return epc.zfill(24)


def encode_sscc96(sscc: str, *, company_prefix_length: int, filter_value: int = 0) -> str:
    """The SSCC-96 EPC (24 hex digits) for an 18-digit SSCC. Raises InvalidEpc on bad input."""
    _check_key(sscc, 18, "SSCC")
    _check_filter(filter_value)
    _check_prefix_length(company_prefix_length)
    # Company prefix lengths 6..12 are all possible: extension + prefix + serial reference = 17 digits.
    coded = SSCC.from_gs1_element_string(f"(00){sscc}", company_prefix_length)
    epc = coded.hex(
        binary_coding_scheme=SSCC.BinaryCodingScheme.SSCC_96, filter_value=SSCCFilterValue(str(filter_value))
    )
    return epc.zfill(24)


def _unknown(epc: str, error: str) -> EpcMeaning:
    return EpcMeaning(epc=epc, kind="unknown", error=error)


def _fields(value: int, partitions: dict[int, tuple[int, int, int, int]]) -> tuple[int, int, str, str] | str:
    """Split the 88 bits after the header into filter, partition and the two decimal fields."""
    filter_value = (value >> 85) & 0b111
    partition = (value >> 82) & 0b111
    if partition not in partitions:
        return f"partition {partition} is not in the partition table (0..6)"
    m_bits, l_digits, n_bits, k_digits = partitions[partition]
    rest_bits = 82 - m_bits - n_bits
    prefix = (value >> (rest_bits + n_bits)) & ((1 << m_bits) - 1)
    other = (value >> rest_bits) & ((1 << n_bits) - 1)
    if prefix >= 10**l_digits:
        return f"company prefix {prefix} does not fit {l_digits} digits (partition {partition})"
    if other >= 10**k_digits:
        return f"reference {other} does not fit {k_digits} digits (partition {partition})"
    return filter_value, partition, str(prefix).zfill(l_digits), str(other).zfill(k_digits)


def _decode_sgtin96(epc: str, value: int) -> EpcMeaning:
    split = _fields(value, SGTIN_PARTITIONS)
    if isinstance(split, str):
        return _unknown(epc, f"invalid SGTIN-96: {split}")
    filter_value, partition, prefix, item = split
    serial = str(value & (SERIAL_LIMIT - 1))
    coded = hex_to_tag_encodable(epc)  # epcpy does the GS1 key construction
    if not isinstance(coded, SGTIN):
        return _unknown(epc, "invalid SGTIN-96: not decodable")
    gtin = coded.gtin()
    pure = f"urn:epc:id:sgtin:{prefix}.{item}.{serial}"
    if coded.epc_uri != pure:  # the library and our own reading of the bits must agree
        return _unknown(epc, f"invalid SGTIN-96: decoders disagree ({coded.epc_uri} vs {pure})")
    return EpcMeaning(
        epc=epc,
        kind="sgtin",
        filter=filter_value,
        partition=partition,
        company_prefix=prefix,
        tag_uri=f"urn:epc:tag:sgtin-96:{filter_value}.{prefix}.{item}.{serial}",
        pure_uri=pure,
        gtin=gtin,
        serial=serial,
    )


def _decode_sscc96(epc: str, value: int) -> EpcMeaning:
    split = _fields(value, SSCC_PARTITIONS)
    if isinstance(split, str):
        return _unknown(epc, f"invalid SSCC-96: {split}")
    filter_value, partition, prefix, reference = split
    if value & ((1 << 24) - 1):
        return _unknown(epc, "invalid SSCC-96: the 24 unallocated bits are not zero")
    coded = hex_to_tag_encodable(epc)
    if not isinstance(coded, SSCC):
        return _unknown(epc, "invalid SSCC-96: not decodable")
    pure = f"urn:epc:id:sscc:{prefix}.{reference}"
    if coded.epc_uri != pure:
        return _unknown(epc, f"invalid SSCC-96: decoders disagree ({coded.epc_uri} vs {pure})")
    return EpcMeaning(
        epc=epc,
        kind="sscc",
        filter=filter_value,
        partition=partition,
        company_prefix=prefix,
        tag_uri=f"urn:epc:tag:sscc-96:{filter_value}.{prefix}.{reference}",
        pure_uri=pure,
        sscc=coded.gs1_key(),
    )


_DECODERS = {SGTIN96_HEADER: _decode_sgtin96, SSCC96_HEADER: _decode_sscc96}


def decode_epc(epc: str) -> EpcMeaning:
    """What an EPC (hex) means. Never raises: anything but a valid SGTIN-96/SSCC-96 is "unknown"."""
    text = epc.strip().upper() if isinstance(epc, str) else ""
    if not text or not _HEX.fullmatch(text):
        return _unknown(text, "EPC is not hexadecimal")
    if len(text) != 24:
        return _unknown(text, f"EPC is {len(text) * 4} bits; only 96-bit SGTIN/SSCC are understood")
    value = int(text, 16)
    header = value >> 88
    decoder = _DECODERS.get(header)
    if decoder is None:
        return _unknown(text, f"EPC header 0x{header:02X} is not SGTIN-96 (0x30) or SSCC-96 (0x31)")
    try:
        return decoder(text, value)
    except Exception as exc:  # epcpy raises ConvertException (and others) on values it dislikes
        return _unknown(text, f"EPC not decodable: {exc}")
