"""How long the spooler waits before asking a faulted printer again."""

from __future__ import annotations

from devices.printers.spooler import retry_delay


def test_the_first_retry_waits_the_base_delay() -> None:
    assert retry_delay(0, base=0.5, cap=30, draw=lambda: 1.0) == 0.5


def test_the_ceiling_doubles_with_each_attempt() -> None:
    assert retry_delay(3, base=0.5, cap=30, draw=lambda: 1.0) == 4.0


def test_the_delay_never_exceeds_the_cap() -> None:
    assert retry_delay(40, base=0.5, cap=30, draw=lambda: 1.0) == 30


def test_jitter_spreads_delays_between_base_and_ceiling() -> None:
    assert retry_delay(3, base=0.5, cap=30, draw=lambda: 0.0) == 0.5
    assert retry_delay(3, base=0.5, cap=30, draw=lambda: 0.5) == 2.25
