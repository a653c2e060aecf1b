"""Staff users, devices and their tokens: adding accounts, signing in, issuing and checking tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from wms.db import Database, utcnow
from wms.errors import Conflict, Invalid, NotFound, Unauthorised
from wms.identity.effects import EFFECTS
from wms.identity.events import DeviceTokenIssued, UserAdded
from wms.identity.model import (
    ROLES,
    Principal,
    hash_password,
    new_token,
    token_hash,
    unknown_account_hash,
    verify_password,
)
from wms.identity.tables import ApiToken, Device, Station, User
from wms.identity.throttle import Throttles, forgive_account, record_failure, refuse_if_locked
from wms.inventory.service import warehouse_by_code
from wms.merchants.service import merchant_by_code
from wms.merchants.tables import Merchant
from wms.scoping import visible

SESSION_LIFETIME = timedelta(hours=12)


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    warehouse_id: int | None,
    name: str = "",
    locale: str = "en",
    merchant_ids: list[int] | None = None,
) -> User:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role,
        warehouse_id=warehouse_id,
        merchant_ids=list(merchant_ids or []),
        name=name or username,
        locale=locale,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def issue_user_token(
    session: Session, user: User, *, label: str = "", lifetime: timedelta | None = None
) -> str:
    token = new_token()
    session.add(
        ApiToken(
            token_hash=token_hash(token),
            user_id=user.id,
            label=label,
            expires_at=utcnow() + lifetime if lifetime else None,
        )
    )
    return token


def integrator_account(session: Session, name: str, merchant_code: str) -> User:
    """The account of an integrator of one merchant (made on first use, with an unusable password:
    integrators sign in with tokens only). An existing account of another role or merchant is refused."""
    merchant = session.exec(select(Merchant).where(Merchant.code == merchant_code.upper())).first()
    if merchant is None or merchant.id is None:
        raise NotFound(f"no merchant {merchant_code!r}")
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None:
        user = User(
            username=name,
            name=name,
            role="integrator",
            merchant_ids=[merchant.id],
            password_hash=hash_password(new_token()),
        )
        session.add(user)
        session.flush()
    elif user.role != "integrator" or user.merchant_ids != [merchant.id]:
        raise Conflict(f"{name!r} is already an account of another role or merchant")
    return user


def issue_device_token(session: Session, device: Device, *, label: str = "") -> str:
    token = new_token()
    session.add(ApiToken(token_hash=token_hash(token), device_id=device.id, label=label))
    return token


def sign_in(db: Database, throttles: Throttles, *, username: str, password: str) -> tuple[User, str]:
    """A staff member signs in: a session token, or Unauthorised / TooManyAttempts.

    Three short transactions, none held open while the password is hashed: is the account or the
    address locked out; then (after checking the password) either the failure is counted and committed
    before Unauthorised is raised, or the lockout is checked again and the token issued. An unknown or
    disabled account is checked against a stand-in hash, so it answers as slowly as a wrong password.
    """
    with db.read() as session:
        refuse_if_locked(session, throttles, utcnow())
        user = session.exec(select(User).where(User.username == username)).first()
    known = user is not None and user.active
    stored = user.password_hash if user is not None and known else unknown_account_hash()
    if not verify_password(password, stored) or not known or user is None:
        db.write(lambda session: record_failure(session, throttles, utcnow()))
        raise Unauthorised("wrong username or password")
    signed_in = user

    def issue(session: Session) -> str:
        refuse_if_locked(session, throttles, utcnow())  # failures counted while the password was checked
        forgive_account(session, throttles)
        return issue_user_token(session, signed_in, label="login", lifetime=SESSION_LIFETIME)

    return user, db.write(issue)


def principal_for_token(session: Session, token: str) -> Principal:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked or (row.expires_at is not None and row.expires_at < utcnow()):
        raise Unauthorised("the token is unknown, revoked or expired: sign in again")
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            raise Unauthorised("this account is disabled")
        return Principal(
            kind="user",
            role=user.role,
            warehouse_id=user.warehouse_id,
            user_id=user.id,
            name=user.name,
            locale=user.locale,
            merchant_ids=frozenset(user.merchant_ids) if user.merchant_ids else None,
        )
    device = session.get(Device, row.device_id)
    if device is None:
        raise Unauthorised("this device is no longer registered")
    station = session.get(Station, device.station_id) if device.station_id else None
    return Principal(
        kind="device",
        role="device",
        warehouse_id=device.warehouse_id,
        device_id=device.id,
        name=device.code,
        station_kind=station.kind if station else None,
    )


def device_by_code(session: Session, principal: Principal, code: str) -> Device:
    device = session.exec(select(Device).where(Device.code == code)).first()
    return visible(device, principal, f"no device {code!r}")


@dataclass(frozen=True)
class NewUser:
    """A staff account an admin asks for; `warehouse` is a code (None: every warehouse)."""

    username: str
    role: str
    password: str
    warehouse: str | None = None
    merchants: tuple[str, ...] | list[str] = ()
    name: str = ""
    locale: str = "en"


def register_user(session: Session, principal: Principal, new: NewUser) -> User:
    """An admin adds a staff account; the audit trail keeps who did."""
    warehouse_id = warehouse_by_code(session, principal, new.warehouse).id if new.warehouse else None
    merchant_ids = sorted({merchant_by_code(session, principal, code).id or 0 for code in new.merchants})
    if new.role == "integrator" and len(merchant_ids) != 1:
        raise Invalid("an integrator works for exactly one merchant: give its code in merchants")
    user = add_user(
        session,
        username=new.username,
        role=new.role,
        password=new.password,
        warehouse_id=warehouse_id,
        name=new.name,
        locale=new.locale,
        merchant_ids=merchant_ids,
    )
    EFFECTS.record(session, principal, UserAdded(user.username, user.role))
    return user


def issue_token_to_device(session: Session, principal: Principal, code: str) -> tuple[Device, str]:
    """A manager issues a bearer token for a device of their warehouse (shown once)."""
    device = device_by_code(session, principal, code)
    token = issue_device_token(session, device, label=f"issued by {principal.key}")
    EFFECTS.record(session, principal, DeviceTokenIssued(code, device.warehouse_id))
    return device, token
