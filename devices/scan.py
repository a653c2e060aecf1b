"""What a barcode scan means: one `Scan` value from the text a scanner sent.

Scanners send `[AIM symbology id][data]`; GS1 data carries GS (0x1D) after each variable-length
field. GS1 element strings and check digits are interpreted by biip; Kaeru's own codes (location,
license plate, RMA, order) are recognised by their prefixes, which every label kind prints.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

import biip
from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString

GS = "\x1d"

ScanKind = Literal[
    "gtin",  # a trade item (EAN/UPC, or GS1 with AI 01), maybe with serial/lot/expiry
    "sscc",  # a logistic unit (AI 00)
    "gs1",  # GS1 element strings without a GTIN or SSCC
    "location",  # LOC-<code>
    "lpn",  # LPN-<code>: license plate, tote, carton, grade-tagged unit
    "rma",  # RMA-<number> (return label) or RMA:<token> (the QR code of an authorisation)
    "order",  # ORD-<number>
    "text",  # anything else readable: a serial number, a carrier tracking number, ...
    "unknown",  # not readable (control bytes, empty, garbled)
]

# Kaeru's own code prefixes, as printed by labels/ and read back here.
LOCATION_PREFIX = "LOC-"
LPN_PREFIX = "LPN-"
RMA_NUMBER_PREFIX = "RMA-"
RMA_TOKEN_PREFIX = "RMA:"  # noqa: S105 - a barcode prefix, not a password
ORDER_PREFIX = "ORD-"

# AIM ids are `]` + symbology letter + modifier digit/letter.
_AIM = re.compile(r"^\](?P<id>[A-Za-z][0-9A-Za-z])")
_GS1_AIM = {"C1", "d2", "Q3", "e0", "E0", "E3", "E4", "J1"}
_ITF_AIM = {"I0", "I1"}  # Interleaved 2 of 5: 14 digits on a carton is an ITF-14 GTIN
_RETAIL_LENGTHS = {8, 12, 13}  # EAN-8, UPC-A, EAN-13 as a wedge or AIM-less serial scanner sends them
_DIGITAL_LINK = re.compile(r"^https?://", re.IGNORECASE)
_PRINTABLE = re.compile(r"^[\x20-\x7e\u00a0-\uffff]+$")


@dataclass(frozen=True)
class Scan:
    """One scan as the warehouse understands it; `raw` always keeps what was read."""

    raw: str
    kind: ScanKind
    symbology: str | None = None  # AIM id such as "]C1", when the scanner sent one
    device: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    expiry: date | None = None
    sscc: str | None = None
    code: str | None = None  # the value of a Kaeru code (location code, LPN, RMA number/token, order no.)
    elements: dict[str, str] = field(default_factory=dict)  # GS1 AI -> value
    error: str | None = None  # why a scan is "unknown"

    @property
    def data(self) -> str:
        """The data without the AIM symbology id."""
        if self.symbology is not None and self.raw.startswith(self.symbology):
            return self.raw[len(self.symbology) :]
        m = _AIM.match(self.raw) if self.kind != "text" else None
        return self.raw[m.end() :] if m else self.raw


def _own_code(data: str) -> tuple[ScanKind, str] | None:
    for prefix, kind in (
        (LOCATION_PREFIX, "location"),
        (LPN_PREFIX, "lpn"),
        (RMA_TOKEN_PREFIX, "rma"),
        (RMA_NUMBER_PREFIX, "rma"),
        (ORDER_PREFIX, "order"),
    ):
        if data.startswith(prefix) and len(data) > len(prefix):
            return kind, data[len(prefix) :]  # type: ignore[return-value]
    return None


@functools.lru_cache(maxsize=8192)
def _gs1(text: str) -> biip.ParseResult | str:
    """biip's reading of a GS1 scan, or why it could not read it. A floor scans the same products all
    day, and a GS1 parse costs a few hundred microseconds; biip's results are immutable."""
    try:
        return biip.parse(text)
    except Exception as exc:  # biip raises ParseError on malformed data
        return str(exc)


def parse_scan(  # noqa: C901 - predates the complexity limit
    text: str,
    *,
    device: str = "",
    at: datetime | None = None,
    gs_substitute: str | None = None,
    aim: bool | None = None,
) -> Scan:
    """Interpret the text of one scan (AIM id optional). Never raises: unreadable input is "unknown".

    `aim=False` says the scanner sends no AIM ids, so a leading `]Xn` is data; the default (None)
    recognises an AIM id when the text starts with one.
    """
    when = at or datetime.now(UTC)
    raw = text.rstrip("\r\n")
    if gs_substitute:
        raw = raw.replace(gs_substitute, GS)
    m = _AIM.match(raw) if aim is not False else None
    aim_id = m.group("id") if m else None
    data = raw[m.end() :] if m else raw
    symbology = f"]{aim_id}" if aim_id else None

    if not data or not _PRINTABLE.match(data.replace(GS, " ")):
        return Scan(
            raw=raw,
            kind="unknown",
            symbology=symbology,
            device=device,
            at=when,
            error="unreadable scan: empty or contains control bytes",
        )

    own = _own_code(data)
    if own and (aim_id is None or aim_id not in _GS1_AIM or aim_id in {"C0", "Q1"}):
        return Scan(raw=raw, kind=own[0], symbology=symbology, device=device, at=when, code=own[1])

    if aim_id is None and len(data) in _RETAIL_LENGTHS and data.isdigit() and _check_digit_ok(data):
        # A retail symbol read without an AIM id. As an element string it would often parse too
        # (978... as AI 97, 400... as AI 400), but a scanner sends a bare 8/12/13-digit string with a
        # valid check digit for EAN/UPC; a GS1 element string of that length is rare by comparison.
        return Scan(raw=raw, kind="gtin", symbology=None, device=device, at=when, gtin=data.zfill(14))
    if aim_id in _ITF_AIM and len(data) == 14 and data.isdigit():
        result = _gs1(raw)
        if isinstance(result, str) or result.gtin is None:
            reason = result if isinstance(result, str) else (result.gtin_error or "not an ITF-14 GTIN")
            return Scan(raw=raw, kind="unknown", symbology=symbology, device=device, at=when, error=reason)
        return Scan(raw=raw, kind="gtin", symbology=symbology, device=device, at=when, gtin=result.gtin.value)
    if _DIGITAL_LINK.match(data):
        result = _gs1(data)
        if not isinstance(result, str) and result.gs1_digital_link_uri is not None:
            return _from_element_strings(
                result.gs1_digital_link_uri.element_strings, raw, symbology, device, when
            )
        # any other URL is text (a carrier's tracking page, a shop's link)

    gs1_expected = aim_id in _GS1_AIM or (aim_id is None and (data.isdigit() or GS in data))
    if gs1_expected:
        result = _gs1(raw if aim_id else data)
        if isinstance(result, str):  # biip refused it: the reason
            return Scan(raw=raw, kind="unknown", symbology=symbology, device=device, at=when, error=result)
        if result.gs1_message is not None:
            return _from_element_strings(result.gs1_message.element_strings, raw, symbology, device, when)
        if result.gtin is not None:
            return Scan(
                raw=raw,
                kind="gtin",
                symbology=symbology,
                device=device,
                at=when,
                gtin=result.gtin.value.zfill(14),
            )
        if result.sscc is not None:
            return Scan(
                raw=raw, kind="sscc", symbology=symbology, device=device, at=when, sscc=result.sscc.value
            )
        if aim_id in _GS1_AIM:
            errors = [e for e in (result.gtin_error, result.gs1_message_error) if e]
            return Scan(
                raw=raw,
                kind="unknown",
                symbology=symbology,
                device=device,
                at=when,
                error=errors[0] if errors else "not a GS1 element string",
            )
    if own:
        return Scan(raw=raw, kind=own[0], symbology=symbology, device=device, at=when, code=own[1])
    if GS in data:
        return Scan(
            raw=raw,
            kind="unknown",
            symbology=symbology,
            device=device,
            at=when,
            error="group separator outside GS1 data",
        )
    return Scan(raw=raw, kind="text", symbology=symbology, device=device, at=when, code=data)


def _check_digit_ok(digits: str) -> bool:
    return gs1_standard_check_digit(digits[:-1]) == int(digits[-1])


def _from_element_strings(
    element_strings: list[GS1ElementString],
    raw: str,
    symbology: str | None,
    device: str,
    when: datetime,
) -> Scan:
    """A Scan from GS1 element strings (a message or a Digital Link URI): strict on check digits."""
    # biip keeps a wrong GTIN/SSCC/GLN check digit as a note on the element, not as a failure.
    check_errors = [e for es in element_strings for e in (es.gtin_error, es.sscc_error, es.gln_error) if e]
    if check_errors:
        return Scan(
            raw=raw, kind="unknown", symbology=symbology, device=device, at=when, error=check_errors[0]
        )
    elements = {es.ai.ai: es.value for es in element_strings}
    expiry = next((es.date for es in element_strings if es.ai.ai == "17"), None)
    gtin = elements.get("01") or elements.get("02")
    sscc = elements.get("00")
    kind: ScanKind = "sscc" if sscc else ("gtin" if gtin else "gs1")
    return Scan(
        raw=raw,
        kind=kind,
        symbology=symbology,
        device=device,
        at=when,
        gtin=gtin,
        serial=elements.get("21"),
        lot=elements.get("10"),
        expiry=expiry,
        sscc=sscc,
        elements=elements,
    )
