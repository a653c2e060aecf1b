"""Who may do what: roles, permissions, and the principal a request acts as. Pure."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ROLES = ("associate", "packer", "picker", "receiver", "manager", "admin", "integrator")
STAFF = frozenset({"associate", "packer", "picker", "receiver", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})


class DeviceState(StrEnum):
    """How a device last reported itself. It may go from any state to any other (a device reconnects, a
    printer runs out of paper and is refilled), so there is no lifecycle to keep."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAULT = "fault"
    UNKNOWN = "unknown"


# Permission -> staff roles (and "integrator") that hold it. What a device may do is not here: it
# depends on the kind of station the device belongs to (STATION_PERMISSIONS below).
PERMISSIONS: dict[str, frozenset[str]] = {
    "catalogue.read": STAFF | {"integrator"},
    "catalogue.write": MANAGERS,
    "inventory.read": STAFF,
    "inventory.receive": frozenset({"receiver"}) | MANAGERS,
    "inventory.move": frozenset({"receiver", "picker", "associate"}) | MANAGERS,
    "inventory.adjust": MANAGERS,
    "orders.read": STAFF | {"integrator"},
    "orders.write": MANAGERS | {"integrator"},
    "picking.work": frozenset({"picker"}) | MANAGERS,
    "picking.plan": MANAGERS,
    "packing.work": frozenset({"packer"}) | MANAGERS,
    "shipping.track": MANAGERS | {"integrator"},
    "scan": STAFF,
    # Scanning in a mode that changes things (wms/scanning/routes.py): the work of that mode.
    "scan.pick": frozenset({"picker"}) | MANAGERS,
    "scan.pack": frozenset({"packer"}) | MANAGERS,
    "scan.returns": frozenset({"associate"}) | MANAGERS,
    "scan.receive": frozenset({"receiver"}) | MANAGERS,
    "device.report": MANAGERS,
    "devices.manage": MANAGERS,
    "returns.authorise": frozenset({"associate"}) | MANAGERS | {"integrator"},
    "returns.intake": frozenset({"associate"}) | MANAGERS,
    "returns.station": frozenset({"associate"}) | MANAGERS,
    "returns.review": MANAGERS,
    "returns.insight": MANAGERS,
    "dashboard.view": MANAGERS,
    "audit.read": MANAGERS,
    "users.manage": frozenset({"admin"}),
    "merchants.read": STAFF | {"integrator"},
    "merchants.manage": frozenset({"admin"}),
    "billing.read": MANAGERS | {"integrator"},
    "claims.review": MANAGERS,
    "print": STAFF,
}

# Station kind -> what a device of that station may do: the one table for device tokens. A device
# answers for its station (a pick handheld picks, a returns station's agent works returns), so a
# token taken from one station's device opens nothing of another kind's work. A device without a
# station (or of a kind not listed) may only scan for look-ups and report its own state.
DEVICE_BASE = frozenset({"scan", "device.report", "print"})
STATION_PERMISSIONS: dict[str, frozenset[str]] = {
    "returns": DEVICE_BASE | {"scan.returns", "returns.station"},
    "pack": DEVICE_BASE | {"scan.pack"},
    "pick": DEVICE_BASE | {"scan.pick"},
    "receive": DEVICE_BASE | {"scan.receive"},
}


def station_kinds_allowed(permission: str) -> list[str]:
    """The station kinds whose devices hold `permission` (for the refusal's wording)."""
    return sorted(kind for kind, held in STATION_PERMISSIONS.items() if permission in held)


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a staff user, an integrator, or a device."""

    kind: str  # user | device
    role: str  # a staff role, "integrator", or "device"
    warehouse_id: int | None  # None: every warehouse (admins, integrators of the whole site)
    user_id: int | None = None
    device_id: int | None = None
    name: str = ""
    locale: str = "en"
    station_kind: str | None = None  # a device's station's kind (returns | pack | pick | receive)
    # The merchants whose objects this caller sees (None: every merchant of its warehouses). An
    # integrator's token belongs to one merchant; staff may be restricted to some.
    merchant_ids: frozenset[int] | None = None

    @property
    def key(self) -> str:
        """Scope for idempotency keys and scan routing."""
        return f"device:{self.device_id}" if self.kind == "device" else f"user:{self.user_id}"

    def can(self, permission: str) -> bool:
        if self.kind == "device":
            return permission in STATION_PERMISSIONS.get(self.station_kind or "", DEVICE_BASE)
        return self.role in PERMISSIONS.get(permission, frozenset())

    def refusal(self, permission: str) -> str:
        """Why this caller may not do `permission`, in words for the screen."""
        if self.kind != "device":
            return f"your role ({self.role}) may not do this ({permission})"
        kinds = station_kinds_allowed(permission)
        allowed = " or ".join(f"a {k} station" for k in kinds) if kinds else "no station"
        here = f"a {self.station_kind} station" if self.station_kind else "no station"
        return f"only devices of {allowed} may do this ({permission}); this device belongs to {here}"

    def sees_warehouse(self, warehouse_id: int) -> bool:
        return self.warehouse_id is None or self.warehouse_id == warehouse_id

    def sees_merchant(self, merchant_id: int | None) -> bool:
        """An object of no merchant (a location, a pick batch) is the floor's, seen by all of it."""
        return self.merchant_ids is None or merchant_id is None or merchant_id in self.merchant_ids


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


_UNKNOWN_ACCOUNT_HASH: list[str] = []


def unknown_account_hash() -> str:
    """A real hash of a random password: an unknown or disabled account is checked against it, so that
    signing in with one takes as long as with a wrong password for a real account."""
    if not _UNKNOWN_ACCOUNT_HASH:
        _UNKNOWN_ACCOUNT_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _UNKNOWN_ACCOUNT_HASH[0]


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest_hex)


# --- failed sign-ins -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed sign-ins one account (or one address) may make before it must wait."""

    failures: int  # failures before a lockout
    window: timedelta  # failures further apart than this are forgiven
    lockout: timedelta  # the first lockout; each further one doubles
    lockout_max: timedelta


@dataclass(frozen=True)
class FailureCount:
    """Failed sign-ins of one account or address: the recent ones and the lockouts they caused."""

    failures: int = 0
    lockouts: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def wait_seconds(count: FailureCount, now: datetime) -> int:
    """Whole seconds until `count` may try again (0: now)."""
    if count.locked_until is None or count.locked_until <= now:
        return 0
    return max(1, math.ceil((count.locked_until - now).total_seconds()))


def after_failure(policy: ThrottlePolicy, count: FailureCount, now: datetime) -> FailureCount:
    """The count after one more failure: the limit reached locks for a lockout that doubles each time."""
    # Forgiven: nothing for a whole window since the last failure and the end of the last lockout.
    last = max(t for t in (count.last_failure_at, count.locked_until, now - 2 * policy.window) if t)
    failures, lockouts = (1, 0) if now - last > policy.window else (count.failures + 1, count.lockouts)
    locked_until = count.locked_until
    if failures >= policy.failures:
        lockouts += 1
        hold = min(policy.lockout * 2 ** min(lockouts - 1, 20), policy.lockout_max)
        failures, locked_until = 0, now + hold
    return FailureCount(failures, lockouts, now, locked_until)


# --- scale weights -------------------------------------------------------------------------------
# A station scale's reading is kept in grams at the scale's own resolution, to the milligram at most.
MAX_GRAMS = Decimal(1_000_000)
GRAM_PLACES = 3


def plain_grams(grams: Decimal) -> Decimal:
    """The same weight without trailing zeros or an exponent: 1234.500 -> 1234.5, 1E+3 -> 1000."""
    normal = grams.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def whole_grams(grams: Decimal) -> int:
    """Grams rounded half up to whole grams (1234.5 -> 1235), for records kept in whole grams."""
    return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))
