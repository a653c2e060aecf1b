"""Merchants in the database: applying config/merchants/, finding one for a caller, and the default."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, select

from kaeru_config.merchants import MIGRATED_CODE, MerchantSpec
from wms.db import utcnow
from wms.errors import Invalid, NotFound
from wms.identity.model import Principal
from wms.merchants.tables import Merchant

# Checks other areas add (at start-up) for a merchant profile an admin sends: (kaeru, spec) -> None,
# raising ValueError naming the fault (the returns area checks the policy overrides, for one).
PROFILE_CHECKS: list[Callable[[Any, MerchantSpec], None]] = []


def profile_of(spec: MerchantSpec) -> dict[str, object]:
    """What the `profile` column keeps of a merchant's configuration."""
    return spec.model_dump(mode="json", exclude={"code", "name", "default"})


def spec_of(merchant: Merchant) -> MerchantSpec:
    return MerchantSpec.model_validate(
        {**merchant.profile, "code": merchant.code, "name": merchant.name, "default": merchant.is_default}
    )


def _digest(spec: MerchantSpec) -> str:
    return hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def apply_merchants(session: Session, specs: Iterable[MerchantSpec]) -> int:
    """Create the configured merchants that are missing; update one whose file changed since it was
    last applied (an admin's change through the API stands until the file changes). A database moved
    from before merchants holds its data under MIGRATED_CODE: the configured default takes it over.
    Never deletes. Returns how many were created."""
    specs = list(specs)
    existing = {m.code: m for m in session.exec(select(Merchant))}
    created = 0
    for spec in specs:
        merchant = existing.get(spec.code)
        if merchant is None and spec.default and MIGRATED_CODE in existing and spec.code != MIGRATED_CODE:
            migrated = existing[MIGRATED_CODE]
            if not migrated.config_digest:  # made by the migration, never configured: take it over
                merchant = existing.pop(MIGRATED_CODE)
                merchant.code = spec.code
        if merchant is None:
            merchant = Merchant(code=spec.code, name=spec.name)
            created += 1
        digest = _digest(spec)
        if merchant.config_digest != digest:
            merchant.name, merchant.is_default, merchant.profile = spec.name, spec.default, profile_of(spec)
            merchant.config_digest, merchant.version = digest, (merchant.version or 0) + 1
            merchant.updated_at = utcnow()
        session.add(merchant)
        existing[spec.code] = merchant
    session.flush()
    if specs and any(s.default for s in specs):
        chosen = next(s.code for s in specs if s.default)
        for merchant in existing.values():
            if merchant.is_default != (merchant.code == chosen):
                merchant.is_default = merchant.code == chosen
                session.add(merchant)
        session.flush()
    return created


def default_merchant(session: Session) -> Merchant:
    merchant = session.exec(select(Merchant).where(col(Merchant.is_default).is_(True))).first()
    if merchant is None:
        merchant = session.exec(select(Merchant).order_by(col(Merchant.id))).first()
    if merchant is None:
        raise NotFound("no merchant is configured: run `kaeru db upgrade`")
    return merchant


def merchant_by_code(session: Session, principal: Principal | None, code: str) -> Merchant:
    merchant = session.exec(select(Merchant).where(Merchant.code == code.upper())).first()
    if merchant is None or (principal is not None and not principal.sees_merchant(merchant.id)):
        raise NotFound(f"no merchant {code!r}")
    return merchant


def merchant_for(session: Session, principal: Principal | None, code: str | None) -> Merchant:
    """The merchant a request is for: the one it names, else the caller's only merchant, else the
    site's default merchant (a caller restricted to several must say which)."""
    if code:
        return merchant_by_code(session, principal, code)
    if principal is not None and principal.merchant_ids is not None:
        if len(principal.merchant_ids) == 1:
            merchant = session.get(Merchant, next(iter(principal.merchant_ids)))
            if merchant is not None:
                return merchant
        codes = session.exec(select(Merchant.code).where(col(Merchant.id).in_(principal.merchant_ids)))
        raise Invalid(f"say which merchant this is for: one of {', '.join(sorted(codes))}")
    return default_merchant(session)


def codes_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Merchant codes of these ids, in one query (for pages of objects that show their merchant)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.exec(select(Merchant.id, Merchant.code).where(col(Merchant.id).in_(wanted)))
    return {merchant_id: code for merchant_id, code in rows if merchant_id is not None}


def merchants_visible(session: Session, principal: Principal) -> list[Merchant]:
    statement = select(Merchant).order_by(Merchant.code)
    if principal.merchant_ids is not None:
        statement = statement.where(col(Merchant.id).in_(sorted(principal.merchant_ids)))
    return list(session.exec(statement))


def brand_facts(session: Session, merchant_id: int | None) -> dict[str, Any]:
    """What labels and messages print of a merchant: its code, brand name, return address, support
    contact (from the one brand definition)."""
    merchant = session.get(Merchant, merchant_id) if merchant_id is not None else default_merchant(session)
    if merchant is None:
        return {}
    brand = merchant.profile.get("brand") or {}
    return {
        "code": merchant.code,
        "name": brand.get("name") or merchant.name,
        "return_address": dict(brand.get("return_address") or {}),
        "support_email": brand.get("support_email") or "",
    }


def owner_code(session: Session, merchant_id: int | None) -> str:
    """The code a grade tag prints for its unit's owner; nothing on a floor of one merchant."""
    if len(session.exec(select(Merchant.id).limit(2)).all()) < 2:
        return ""
    merchant = session.get(Merchant, merchant_id) if merchant_id is not None else None
    return merchant.code if merchant else ""
