"""Switching a simulated printer's faults from the page, the command line or a test."""

from __future__ import annotations

import pytest

from simulators.printers.faults import Faults, updated


def test_switches_given_as_words_turn_faults_on_and_off() -> None:
    faults = updated(Faults(), {"paper_out": "on", "slow_seconds": "1.5"})
    assert faults.paper_out
    assert faults.slow_seconds == 1.5
    assert not updated(faults, {"paper_out": "off"}).paper_out


def test_an_unknown_fault_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="head_open"):
        updated(Faults(), {"paper_jam": True})


def test_a_negative_slowness_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        updated(Faults(), {"slow_seconds": -1})


def test_the_page_lists_only_the_faults_switched_on() -> None:
    assert Faults(head_open=True, slow_seconds=2).active() == ["head_open", "slow_seconds=2"]
    assert Faults().active() == []
