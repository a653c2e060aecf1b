"""Counting failed sign-ins: the limit locks, each further lockout doubles up to a ceiling, and only a
quiet window (after the last failure and the end of the last lockout) forgives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wms.identity.model import FailureCount, ThrottlePolicy, after_failure, wait_seconds

POLICY = ThrottlePolicy(
    failures=3,
    window=timedelta(minutes=15),
    lockout=timedelta(seconds=60),
    lockout_max=timedelta(seconds=200),
)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _fail(count: FailureCount, times: int, at: datetime) -> FailureCount:
    for _ in range(times):
        count = after_failure(POLICY, count, at)
    return count


def test_the_limit_locks_for_the_first_lockout() -> None:
    count = _fail(FailureCount(), 2, T0)
    assert wait_seconds(count, T0) == 0
    count = _fail(count, 1, T0)
    assert wait_seconds(count, T0) == 60
    assert wait_seconds(count, T0 + timedelta(seconds=59.5)) == 1
    assert wait_seconds(count, T0 + timedelta(seconds=60)) == 0


def test_each_further_lockout_doubles_up_to_the_ceiling() -> None:
    count, at, waits = FailureCount(), T0, []
    for _ in range(4):
        count = _fail(count, 3, at)
        waits.append(wait_seconds(count, at))
        at += timedelta(seconds=waits[-1])  # the next attempts come as soon as the lockout ends
    assert waits == [60, 120, 200, 200]


def test_a_quiet_window_forgives_but_the_end_of_a_lockout_does_not() -> None:
    locked = _fail(FailureCount(), 3, T0)
    right_after = after_failure(POLICY, locked, T0 + timedelta(seconds=61))
    assert (right_after.failures, right_after.lockouts) == (1, 1)
    much_later = after_failure(POLICY, locked, T0 + timedelta(seconds=60) + timedelta(minutes=16))
    assert (much_later.failures, much_later.lockouts) == (1, 0)
