"""The merchants' profiles as the running server uses them: brand, policy, channels, shops.

Read from the database (where `kaeru db upgrade` put config/merchants/ and admins change it through
the API) and kept for DIRECTORY_TTL_S seconds, so a change reaches every server process within that.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from kaeru_config.merchants import MerchantSpec
from wms.db import Database
from wms.errors import NotFound
from wms.merchants.service import spec_of
from wms.merchants.tables import Merchant

DIRECTORY_KEY = "merchants.directory"
DIRECTORY_TTL_S = 10.0


@dataclass(frozen=True)
class Profile:
    id: int
    code: str
    name: str
    is_default: bool
    version: int
    spec: MerchantSpec


class Directory:
    def __init__(self, db: Database, *, ttl_s: float = DIRECTORY_TTL_S) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_id: dict[int, Profile] = {}
        self._loaded_at = float("-inf")

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _profiles(self) -> dict[int, Profile]:
        if time.monotonic() - self._loaded_at < self._ttl_s and self._by_id:
            return self._by_id
        with self._lock:
            with self._db.read() as session:
                rows = list(session.exec(select(Merchant)))
            self._by_id = {
                m.id: Profile(m.id, m.code, m.name, m.is_default, m.version, spec_of(m))
                for m in rows
                if m.id is not None
            }
            self._loaded_at = time.monotonic()
            return self._by_id

    def all(self) -> list[Profile]:
        return sorted(self._profiles().values(), key=lambda p: p.code)

    def by_id(self, merchant_id: int | None) -> Profile:
        """A merchant by id; None (a message from before merchants): the default merchant."""
        if merchant_id is None:
            return self.default()
        profile = self._profiles().get(merchant_id)
        if profile is None:
            self.invalidate()
            profile = self._profiles().get(merchant_id)
        if profile is None:
            raise NotFound(f"no merchant {merchant_id}")
        return profile

    def by_code(self, code: str) -> Profile:
        for profile in self._profiles().values():
            if profile.code == code:
                return profile
        raise NotFound(f"no merchant {code!r}")

    def default(self) -> Profile:
        profiles = self._profiles()
        for profile in profiles.values():
            if profile.is_default:
                return profile
        if not profiles:
            raise NotFound("no merchant is configured: run `kaeru db upgrade`")
        return profiles[min(profiles)]

    def by_shop(self, domain: str) -> Profile | None:
        """The merchant whose shop this is (its domain as the shop sends it)."""
        for profile in self._profiles().values():
            if any(shop.domain == domain for shop in profile.spec.shops):
                return profile
        return None


def directory_of(kaeru: Any) -> Directory:
    """The running server's directory (made on first use)."""
    directory = kaeru.extras.get(DIRECTORY_KEY)
    if directory is None:
        directory = kaeru.extras[DIRECTORY_KEY] = Directory(kaeru.db)
    return directory  # type: ignore[no-any-return]
