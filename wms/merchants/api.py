"""Merchants: every signed-in staff member and integrator sees the merchants they work for; admins
add and change them (the same checks as config/merchants/ at start-up)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import ValidationError
from sqlmodel import Session, select

from kaeru_config.merchants import ENV_REFERENCE, MerchantSpec
from wms.auth import KaeruDep, require
from wms.db import utcnow
from wms.errors import Invalid
from wms.identity.model import Principal
from wms.inputs import Code
from wms.merchants.directory import directory_of
from wms.merchants.schemas import MerchantIn, MerchantListed, MerchantPublic
from wms.merchants.service import PROFILE_CHECKS, merchant_by_code, merchants_visible, profile_of, spec_of
from wms.merchants.tables import Merchant

router = APIRouter(prefix="/api/v1", tags=["merchants"])
MerchantCode = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", description="1-32 of A-Z, 0-9, '-', '_'")
]
Reader = Annotated[Principal, Depends(require("merchants.read"))]
Admin = Annotated[Principal, Depends(require("merchants.manage"))]


def _listed(merchant: Merchant) -> dict[str, Any]:
    brand = merchant.profile.get("brand") or {}
    return {
        "code": merchant.code,
        "name": merchant.name,
        "default": merchant.is_default,
        "brand_name": brand.get("name", merchant.name),
        "languages": list(brand.get("languages") or ["en"]),
    }


def _masked(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile with literal webhook secrets (accepted in development only) hidden."""
    hooks = [
        {**hook, "secret": hook["secret"] if ENV_REFERENCE.match(str(hook.get("secret", ""))) else "********"}
        for hook in profile.get("webhooks", [])
    ]
    return {**profile, "webhooks": hooks}


def _public(merchant: Merchant) -> dict[str, Any]:
    return {
        **_listed(merchant),
        "profile": _masked(merchant.profile),
        "version": merchant.version,
        "updated_at": merchant.updated_at,
    }


@router.get("/merchants", summary="The merchants the caller works for", response_model=list[MerchantListed])
def list_merchants(kaeru: KaeruDep, principal: Reader) -> Any:
    with kaeru.db.read() as session:
        return [_listed(m) for m in merchants_visible(session, principal)]


@router.get(
    "/merchants/{code}", summary="One merchant's brand, policy and channels", response_model=MerchantPublic
)
def get_merchant(code: Code, kaeru: KaeruDep, principal: Reader) -> Any:
    with kaeru.db.read() as session:
        return _public(merchant_by_code(session, principal, code))


@router.put(
    "/merchants/{code}",
    summary="Add a merchant or change its profile (admins)",
    response_model=MerchantPublic,
)
def put_merchant(code: MerchantCode, body: MerchantIn, kaeru: KaeruDep, principal: Admin) -> Any:
    try:
        spec = MerchantSpec.model_validate({**body.model_dump(mode="json"), "code": code.upper()})
    except ValidationError as exc:
        faults = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise Invalid(f"not a usable merchant: {faults}") from exc
    for check in PROFILE_CHECKS:
        try:
            check(kaeru, spec)
        except ValueError as exc:
            raise Invalid(f"not a usable merchant: {exc}") from exc

    def work(session: Session) -> dict[str, Any]:
        merchant = session.exec(select(Merchant).where(Merchant.code == spec.code)).first()
        if merchant is None:
            merchant = Merchant(code=spec.code, name=spec.name)
        _check_shops(session, spec)
        if spec.default:
            for other in session.exec(select(Merchant).where(Merchant.code != spec.code)):
                other.is_default = False
                session.add(other)
        merchant.name, merchant.profile = spec.name, profile_of(spec)
        merchant.is_default = spec.default or merchant.is_default
        merchant.version = (merchant.version or 0) + 1
        merchant.updated_at = utcnow()
        session.add(merchant)
        session.flush()
        spec_of(merchant)  # what is stored reads back as a valid merchant
        return _public(merchant)

    answer = kaeru.db.write(work)
    directory_of(kaeru).invalidate()
    return answer


def _check_shops(session: Session, spec: MerchantSpec) -> None:
    """A shop belongs to one merchant."""
    mine = {shop.domain for shop in spec.shops}
    if not mine:
        return
    for other in session.exec(select(Merchant).where(Merchant.code != spec.code)):
        theirs = {shop.domain for shop in spec_of(other).shops}
        if mine & theirs:
            raise Invalid(f"shop {sorted(mine & theirs)[0]} belongs to merchant {other.code}")
