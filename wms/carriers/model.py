"""Carrier decisions without I/O: which rated service a carton takes, how long a pending label waits
before its next try, and the check characters of the carriers' tracking numbers.

The check-digit rules are the carriers' published ones (UPS's `1Z` number and USPS's Intelligent Mail
package barcode, USPS Publication 199); no kept Python library computes them for issuing numbers, so
they are written here and verified in the tests against an implementation Kaeru did not write."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class LabelStatus(StrEnum):
    """A carton's carrier label: asked for, bought, or refused by the carrier (something to fix)."""

    NONE = "none"
    PENDING = "pending"
    BOUGHT = "bought"
    REFUSED = "refused"
    VOIDED = "voided"


@dataclass(frozen=True)
class Rate:
    """One service a carrier offers for a parcel, with its price and expected delivery date."""

    carrier: str
    service: str
    amount: Decimal
    currency: str
    delivery_date: date | None = None
    transit_days: int | None = None


class NoService(ValueError):
    """No rated service fits the order."""


def choose_service(rates: list[Rate], *, promised: date | None, pinned: str = "") -> Rate:
    """The service a carton ships with: the pinned one when the merchant pins one; otherwise the
    cheapest whose delivery date keeps the promised date; when none keeps it, the fastest."""
    if not rates:
        raise NoService("the carrier offered no service for this parcel")
    if pinned:
        for rate in rates:
            if rate.service == pinned:
                return rate
        offered = ", ".join(sorted(rate.service for rate in rates))
        raise NoService(f"the pinned service {pinned} was not offered (offered: {offered})")
    keeping = [rate for rate in rates if _keeps(rate, promised)]
    if keeping:
        return min(keeping, key=lambda rate: (rate.amount, rate.delivery_date or date.max, rate.service))
    return min(rates, key=lambda rate: (rate.delivery_date or date.max, rate.amount, rate.service))


def _keeps(rate: Rate, promised: date | None) -> bool:
    if promised is None:
        return True
    return rate.delivery_date is not None and rate.delivery_date <= promised


def retry_delay_s(
    attempt: int, *, base_s: float = 2.0, cap_s: float = 300.0, rng: random.Random | None = None
) -> float:
    """Seconds before the next try at a pending label: exponential backoff with full jitter."""
    ceiling = min(cap_s, base_s * (2 ** max(0, attempt)))
    return (rng or random).uniform(0, ceiling)


def _ups_value(char: str) -> int:
    """A character's value in the UPS check: digits as they are, letters (ord - 63) mod 10 (A=2 ... I=0)."""
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


def ups_check_character(body: str) -> str:
    """The check digit of a UPS `1Z` number, from the 15 characters after `1Z` (shipper account, service,
    reference): characters in odd places count once, in even places twice; the check makes it a
    multiple of ten."""
    if len(body) != 15 or not body.isalnum() or (not body.isupper() and not body.isdigit()):
        raise ValueError(f"a UPS 1Z number has 15 upper-case letters or digits before its check ({body!r})")
    total = sum(_ups_value(char) * (2 if index % 2 else 1) for index, char in enumerate(body))
    return str((10 - total % 10) % 10)


def ups_tracking_number(shipper: str, service: str, reference: int) -> str:
    """`1Z` + 6-character shipper account + 2-digit service + 7-digit reference + check digit."""
    body = f"{shipper.upper():6.6}{service:0>2.2}{reference % 10**7:07d}"
    return f"1Z{body}{ups_check_character(body)}"


def usps_check_digit(body: str) -> str:
    """The mod-10 check digit of an Intelligent Mail package barcode (USPS Publication 199): from the
    right, digits weigh 3, 1, 3, 1 ...; the check makes the sum a multiple of ten."""
    if not body.isdigit():
        raise ValueError(f"an IMpb tracking number has digits only ({body!r})")
    total = sum(int(char) * (3 if index % 2 == 0 else 1) for index, char in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def usps_tracking_number(service_type: str, mailer_id: str, serial: int) -> str:
    """A 22-digit IMpb number: `92`/`93`/`94` channel + 3-digit service type code, 6-digit mailer id,
    10-digit serial (here 9 digits after the mailer id's 6) and the check digit."""
    body = f"{service_type:0>5.5}{mailer_id:0>9.9}{serial % 10**7:07d}"
    return body + usps_check_digit(body)


def tracking_number_valid(carrier: str, number: str) -> bool:
    """Whether a tracking number has its carrier's form and check digit (carriers Kaeru knows the rule of)."""
    if carrier.upper() == "UPS":
        return len(number) == 18 and number.startswith("1Z") and _ups_ok(number)
    if carrier.upper() == "USPS":
        return len(number) in (20, 22) and number.isdigit() and usps_check_digit(number[:-1]) == number[-1]
    return bool(number)


def _ups_ok(number: str) -> bool:
    try:
        return ups_check_character(number[2:17]) == number[17]
    except ValueError:
        return False
