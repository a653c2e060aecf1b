"""Who may do what: roles, permissions, and the principal a request acts as. Pure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
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


# Permission -> roles that hold it. Devices hold "scan" and "device.report" only.
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
    "scan": STAFF | {"device"},
    "device.report": frozenset({"device"}) | MANAGERS,
    "devices.manage": MANAGERS,
    "returns.authorise": frozenset({"associate"}) | MANAGERS | {"integrator"},
    "returns.intake": frozenset({"associate"}) | MANAGERS,
    "returns.station": frozenset({"associate", "device"}) | MANAGERS,
    "returns.review": MANAGERS,
    "returns.insight": MANAGERS,
    "dashboard.view": MANAGERS,
    "audit.read": MANAGERS,
    "users.manage": frozenset({"admin"}),
    "claims.review": MANAGERS,
    "print": STAFF | {"device"},
}


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

    @property
    def key(self) -> str:
        """Scope for idempotency keys and scan routing."""
        return f"device:{self.device_id}" if self.kind == "device" else f"user:{self.user_id}"

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS.get(permission, frozenset())

    def sees_warehouse(self, warehouse_id: int) -> bool:
        return self.warehouse_id is None or self.warehouse_id == warehouse_id


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest_hex)


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
