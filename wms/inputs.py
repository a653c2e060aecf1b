"""What the API accepts: one definition of each kind of value that every area's schemas and
parameters use, so that a rule about text, ids, quantities or moments is written once.

- Text never carries control characters (NUL, escapes, C1 codes) nor lone surrogates: PostgreSQL
  cannot store NUL, and no code, name or address has a use for the others. Multi-line notes may
  carry tab, line feed and carriage return. A scan's raw text may carry GS (0x1D): inside GS1 data
  it ends a variable-length field (PRODUCT.md: the leading FNC1 is never sent, later ones arrive as
  GS). Every text type has a documented maximum length.
- Ids are database INTEGER keys (32-bit on PostgreSQL): 1 .. 2^31-1. A larger number names nothing.
- Quantities and counts are JSON integers, bounded: "3" (text) and 2.5 are refused, 3.0 is the integer 3
  (JSON Schema counts a number without a fraction as an integer, and so do clients that write one).
- A device's clock reading (a scan's time, a weight's, a health report's) must lie within the
  window `Settings.clock_past_days` before and `Settings.clock_future_seconds` after server time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from biip import ParseError
from biip.gtin import Gtin as Gs1Gtin
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    JsonValue,
    Strict,
    StringConstraints,
    WithJsonSchema,
)

from kaeru_config.settings import get_settings
from wms.identity.model import GRAM_PLACES, MAX_GRAMS, plain_grams

_C1_DEL_SURROGATES = "\x7f-\x9f\ud800-\udfff"
SINGLE_LINE = re.compile(f"[\x00-\x1f{_C1_DEL_SURROGATES}]")
MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_C1_DEL_SURROGATES}]")  # tab, LF and CR allowed
HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
# What a header value may not carry (bytes read as Latin-1: tab and non-ASCII are fine).
SCAN = re.compile(f"[\x00-\x1c\x1e\x1f{_C1_DEL_SURROGATES}]")  # GS (0x1D) allowed

MAX_ID = 2**31 - 1
MAX_QUANTITY = 1_000_000
MAX_MONEY = 2**31 - 1  # minor units: 21,474,836.47 in a currency with cents
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


def control_character(value: str, pattern: re.Pattern[str] = SINGLE_LINE) -> str | None:
    """The first character of `value` that text may not carry, shown as a code point, or None."""
    found = pattern.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _refusing(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        bad = control_character(value, pattern)
        if bad is not None:
            raise ValueError(f"must not contain control characters ({bad} found)")
        return value

    return AfterValidator(check)


def _gtin(value: str) -> str:
    try:
        Gs1Gtin.parse(value)
    except ParseError as error:
        raise ValueError(f"not a valid GTIN: {error}") from None
    return value


def _plausible(moment: datetime) -> datetime:
    settings = get_settings()
    now = datetime.now(UTC)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    earliest = now - timedelta(days=settings.clock_past_days)
    latest = now + timedelta(seconds=settings.clock_future_seconds)
    if not earliest <= aware <= latest:
        raise ValueError(
            f"must lie between {settings.clock_past_days} days before and "
            f"{settings.clock_future_seconds} seconds after the server's time (is the device's clock set?)"
        )
    return moment


def _not_ahead(moment: datetime) -> datetime:
    settings = get_settings()
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if aware > datetime.now(UTC) + timedelta(seconds=settings.clock_future_seconds):
        raise ValueError(
            f"lies in the future: at most {settings.clock_future_seconds} seconds after the server's time "
            "(is the sender's clock or time zone right?)"
        )
    return moment


def _whole_number(value: object) -> object:
    """A JSON number without a fraction (`3.0`) is the integer it is (JSON Schema counts it as one);
    text ("3"), booleans and fractions stay refused by the strict integer that follows."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_WHOLE = BeforeValidator(_whole_number)


# The same rules as patterns in the OpenAPI document, so that clients (and the fuzzer) know them; the
# validators above still decide, with their own words.
_ONE_LINE_DOC = Field(json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f-\x9f]*$"})
_LINES_DOC = Field(json_schema_extra={"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"})
_SCAN_DOC = Field(json_schema_extra={"pattern": r"^[^\x00-\x1c\x1e\x1f\x7f-\x9f]*$"})

Code = Annotated[str, StringConstraints(max_length=64), _refusing(SINGLE_LINE), _ONE_LINE_DOC]
"""A code, number, key or short token: one line, up to 64 characters."""
Name = Annotated[str, StringConstraints(max_length=200), _refusing(SINGLE_LINE), _ONE_LINE_DOC]
"""A name, an address line, a label: one line, up to 200 characters."""
Note = Annotated[str, StringConstraints(max_length=2000), _refusing(MULTI_LINE), _LINES_DOC]
"""Free text a person writes (a reason, a comment): up to 2000 characters, line breaks allowed."""
ScanText = Annotated[str, StringConstraints(max_length=4096), _refusing(SCAN), _SCAN_DOC]
"""What a scanner sent: up to 4096 characters; GS (0x1D) allowed as the GS1 field separator."""
Url = Annotated[str, StringConstraints(max_length=2000), _refusing(SINGLE_LINE), _ONE_LINE_DOC]
Sku = Annotated[str, StringConstraints(pattern=SKU_PATTERN)]
"""A stock-keeping unit: a letter or digit, then letters, digits, `.`, `_` or `-`; 64 at most."""
Gtin = Annotated[
    str,
    StringConstraints(pattern=r"^\d{8}$|^\d{12,14}$"),
    AfterValidator(_gtin),
    Field(
        description="A GTIN-8, -12, -13 or -14 (8, 12, 13 or 14 digits) whose last digit is its GS1 check "
        "digit: from the right, the other digits weighted 3, 1, 3, ...; the check digit brings their sum to "
        "a multiple of 10 (09506000134352 is one; 09506000134353 is refused)",
        examples=["09506000134352", "4006381333931", "96385074"],
    ),
]
"""A GTIN-8, -12, -13 or -14 whose GS1 check digit is right."""
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A database key: 1 .. 2^31-1."""
Quantity = Annotated[int, Strict(), Field(ge=1, le=MAX_QUANTITY), _WHOLE]
"""How many units: a JSON integer, 1 .. 1,000,000."""
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_QUANTITY), _WHOLE]
"""A counted number of units (zero allowed): a JSON integer, 0 .. 1,000,000."""
Money = Annotated[int, Strict(), Field(ge=0, le=MAX_MONEY), _WHOLE]
"""An amount in minor units (cents): a JSON integer, 0 .. 2^31-1 (the database's INTEGER columns)."""
Moment = Annotated[
    datetime,
    AfterValidator(_plausible),
    Field(
        description="By the device's clock: within the server's window around its own time "
        "(by default 30 days before to 300 seconds after; KAERU_CLOCK_PAST_DAYS, KAERU_CLOCK_FUTURE_SECONDS)"
    ),
]
# A calendar day printed on goods (an expiry or best-before date, GS1 AI 17): ISO 8601, 2000-2199.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2199, 12, 31))]
"""A device's clock reading, within the configured window around server time."""
Reported = Annotated[
    datetime,
    AfterValidator(_not_ahead),
    Field(description="When it happened, by the sender's clock: not in the future (minutes of skew allowed)"),
]
"""A moment another system reports (a carrier's event): not later than the allowed skew after server time;
how early it may be depends on what it is about, and is checked there."""


def describe_faults(errors: Iterable[Any]) -> list[str]:
    """Validation errors as sentences, each led by where it is (`lines.0.quantity: ...`)."""
    faults = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        faults.append(f"{where}: {error.get('msg')}")
    return faults


_DECIMAL_TEXT = re.compile(rf"^[0-9]{{1,7}}(\.[0-9]{{1,{GRAM_PLACES}}})?$")


def _decimal_text_only(value: object) -> object:
    """A weight given as text must be a plain decimal ("1234.5"): no units, signs, exponents or spaces."""
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError('a weight is a number of grams such as 1234.5 or "1234.5"')
    return value


_GRAMS_IN_JSON = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": int(MAX_GRAMS)},
        {"type": "string", "pattern": _DECIMAL_TEXT.pattern},
    ],
    "description": f"grams, at most {GRAM_PLACES} decimal places: a JSON number or a decimal string",
    "examples": ["1234.5", 1250],
}

# A weight in grams at the scale's resolution: taken as a JSON number (old agents send whole grams)
# or a decimal string (exact), answered as a decimal string ("1234.5").
Grams = Annotated[
    Decimal,
    BeforeValidator(_decimal_text_only),
    Field(ge=0, le=MAX_GRAMS, decimal_places=GRAM_PLACES, allow_inf_nan=False),
    AfterValidator(plain_grams),
    WithJsonSchema(_GRAMS_IN_JSON, mode="validation"),
]


def one_of(values: Iterable[str], what: str) -> Any:
    """A code taken from a fixed set: the document lists the set (so that clients, and the fuzzer,
    send values the server accepts); the area's own rule still refuses anything else with 422."""
    listed: list[JsonValue] = [*sorted(str(v) for v in values)]
    return Field(
        description=f"{what}: one of {', '.join(map(str, listed))}", json_schema_extra={"enum": listed}
    )
