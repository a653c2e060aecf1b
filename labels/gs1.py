"""GS1 data printed on labels: SSCCs and element strings, checked and encoded by biip.

Check digits, AI formats and where FNC1 separators go all come from biip; this module only
turns its errors into `ValueError`s a person can act on.
"""

from __future__ import annotations

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_messages import GS1Message
from biip.sscc import Sscc

GS = "\x1d"


def make_sscc(extension_digit: int | str, company_prefix: str, serial_reference: str) -> str:
    """The 18-digit SSCC for a carton: extension digit + company prefix + serial, + check digit.

    The company prefix and serial reference together take 16 digits.
    """
    ext = str(extension_digit)
    if not (len(ext) == 1 and ext.isdigit()):
        raise ValueError(f"SSCC extension digit must be one digit 0-9, got {extension_digit!r}")
    for name, part in (("company prefix", company_prefix), ("serial reference", serial_reference)):
        if not (part.isascii() and part.isdigit()):
            raise ValueError(f"SSCC {name} must be digits only, got {part!r}")
    if not 6 <= len(company_prefix) <= 12:
        raise ValueError(f"GS1 company prefix must have 6 to 12 digits, got {len(company_prefix)}")
    payload = ext + company_prefix + serial_reference
    if len(payload) != 17:
        raise ValueError(
            "SSCC company prefix and serial reference must together have 16 digits, "
            f"got {len(company_prefix) + len(serial_reference)}"
        )
    return payload + str(gs1_standard_check_digit(payload))


def validate_sscc(sscc: str) -> str:
    """Return `sscc` if it is 18 digits with the right GS1 check digit, else raise ValueError."""
    if not (isinstance(sscc, str) and sscc.isascii() and sscc.isdigit()):
        raise ValueError(f"SSCC must be 18 digits, got {sscc!r}")
    if len(sscc) != 18:
        raise ValueError(f"SSCC must be 18 digits, got {len(sscc)} digits: {sscc!r}")
    try:
        Sscc.parse(sscc)
    except ParseError as exc:
        raise ValueError(f"SSCC {sscc} is not valid: {exc}") from exc
    return sscc


def sscc_human_readable(sscc: str, company_prefix_length: int | None = None) -> str:
    """The SSCC as printed under its barcode: "(00) 1 0614141 123456789 7"."""
    parsed = Sscc.parse(validate_sscc(sscc))
    return "(00) " + parsed.as_hri(company_prefix_length=company_prefix_length)


def element_string(hri: str) -> str:
    """The element string for GS1 data in parentheses form, with GS after variable-length fields.

    "(420)12345(10)AB" -> "42012345\\x1d10AB". Raises ValueError for unknown AIs or bad values.
    """
    try:
        message = GS1Message.parse_hri(hri)
    except ParseError as exc:
        raise ValueError(f"not valid GS1 data {hri!r}: {exc}") from exc
    for es in message.element_strings:
        for error in (es.sscc_error, es.gtin_error, es.gln_error):
            if error:
                raise ValueError(f"not valid GS1 data {hri!r}: {error}")
    return message.value


def element_fields(hri: str) -> list[tuple[str, str]]:
    """The (AI, value) pairs of GS1 data in parentheses form, in order."""
    try:
        message = GS1Message.parse_hri(hri)
    except ParseError as exc:
        raise ValueError(f"not valid GS1 data {hri!r}: {exc}") from exc
    return [(es.ai.ai, es.value) for es in message.element_strings]
