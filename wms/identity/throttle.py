"""Failed sign-ins, counted per account and per address in the database, so that every server process
counts the same ones (docs/operations.md, "Sign-in throttling").

An account or address that reached its limit is refused with 429 and the seconds to wait, even with
the right password, until its lockout ends; each further lockout doubles. A successful sign-in
forgives the account's failures (not the address's: one good account must not clear the way for
guessing others from the same place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from kaeru_config.settings import Settings
from wms.errors import KaeruError
from wms.identity.model import FailureCount, ThrottlePolicy, after_failure, wait_seconds
from wms.identity.tables import LoginThrottle


class TooManyAttempts(KaeruError):
    """Too many failed sign-ins for this account or from this address: wait `retry_after` seconds."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins: try again in {retry_after} seconds", retry_after_s=retry_after
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttles:
    """The keys a sign-in attempt is counted under, each with its policy."""

    account: str
    address: str
    account_policy: ThrottlePolicy
    address_policy: ThrottlePolicy

    def policies(self) -> dict[str, ThrottlePolicy]:
        return {self.account: self.account_policy, self.address: self.address_policy}


def throttles_for(settings: Settings, *, username: str, address: str) -> Throttles:
    window = timedelta(seconds=settings.login_failure_window_s)
    lockout = timedelta(seconds=settings.login_lockout_s)
    most = timedelta(seconds=settings.login_lockout_max_s)
    return Throttles(
        account=f"account:{username}",
        address=f"address:{address}",
        account_policy=ThrottlePolicy(settings.login_account_failures, window, lockout, most),
        address_policy=ThrottlePolicy(settings.login_address_failures, window, lockout, most),
    )


def _count(row: LoginThrottle | None) -> FailureCount:
    if row is None:
        return FailureCount()
    return FailureCount(row.failures, row.lockouts, row.last_failure_at, row.locked_until)


def refuse_if_locked(session: Session, throttles: Throttles, now: datetime) -> None:
    """TooManyAttempts if the account or the address must still wait."""
    keys = list(throttles.policies())
    rows = session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys))).all()
    wait = max((wait_seconds(_count(row), now) for row in rows), default=0)
    if wait:
        raise TooManyAttempts(wait)


def _row_for_update(session: Session, key: str) -> LoginThrottle:
    """The key's row, created if missing, locked until commit (PostgreSQL; SQLite writes one at a time)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, lockouts=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()


def record_failure(session: Session, throttles: Throttles, now: datetime) -> None:
    """One more failure for the account and for the address."""
    for key, policy in sorted(throttles.policies().items()):  # a fixed order: no deadlock between two
        row = _row_for_update(session, key)
        count = after_failure(policy, _count(row), now)
        row.failures, row.lockouts = count.failures, count.lockouts
        row.last_failure_at, row.locked_until = count.last_failure_at, count.locked_until
        session.add(row)


def forgive_account(session: Session, throttles: Throttles) -> None:
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == throttles.account))  # type: ignore[call-overload]
