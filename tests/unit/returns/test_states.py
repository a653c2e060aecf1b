"""The states a return, its parcels, units and holds go through, and the moves that are refused."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from wms.errors import IllegalTransition
from wms.returns import events
from wms.returns.effects import EFFECTS
from wms.returns.model import (
    HOLD,
    PARCEL,
    RMA,
    UNIT,
    HoldStatus,
    ParcelStatus,
    RmaStatus,
    UnitStatus,
)


def test_a_return_not_yet_received_may_be_cancelled() -> None:
    assert RMA.move("authorised", RmaStatus.CANCELLED) == RmaStatus.CANCELLED
    assert RMA.move("in_transit", RmaStatus.CANCELLED) == "cancelled"


def test_a_received_return_cannot_be_cancelled() -> None:
    with pytest.raises(IllegalTransition, match="received and cannot become cancelled"):
        RMA.move(RmaStatus.RECEIVED, RmaStatus.CANCELLED, what="RMA-100001")


def test_a_held_return_goes_back_to_where_it_was_when_approved_or_ends_rejected() -> None:
    assert RMA.allows(RmaStatus.ON_HOLD, RmaStatus.RECEIVED)
    assert RMA.allows(RmaStatus.ON_HOLD, RmaStatus.AUTHORISED)
    assert RMA.allows(RmaStatus.ON_HOLD, RmaStatus.REJECTED)
    assert not RMA.allows(RmaStatus.ON_HOLD, RmaStatus.COMPLETED)


def test_completed_rejected_and_cancelled_returns_are_final() -> None:
    assert RMA.final() == {RmaStatus.COMPLETED, RmaStatus.REJECTED, RmaStatus.CANCELLED}


def test_a_closed_parcel_stays_closed() -> None:
    assert PARCEL.move(ParcelStatus.OPEN, ParcelStatus.CLOSED) == "closed"
    with pytest.raises(IllegalTransition):
        PARCEL.move(ParcelStatus.CLOSED, ParcelStatus.OPEN)


def test_a_unit_is_graded_before_it_is_put_away() -> None:
    assert UNIT.move(UnitStatus.RECEIVED, UnitStatus.GRADED) == "graded"
    with pytest.raises(IllegalTransition):
        UNIT.move(UnitStatus.RECEIVED, UnitStatus.PUT_AWAY)
    with pytest.raises(IllegalTransition):
        UNIT.move(UnitStatus.SET_ASIDE, UnitStatus.GRADED)


def test_a_hold_is_decided_once() -> None:
    assert HOLD.move(HoldStatus.OPEN, HoldStatus.REJECTED) == "rejected"
    with pytest.raises(IllegalTransition):
        HOLD.move(HoldStatus.APPROVED, HoldStatus.REJECTED)


def test_stored_strings_read_back_as_their_states() -> None:
    assert RMA.state("on_hold") is RmaStatus.ON_HOLD
    assert UnitStatus("put_away") == "put_away"


def test_every_returns_event_has_its_effects() -> None:
    declared = {
        cls
        for _, cls in inspect.getmembers(events, inspect.isclass)
        if dataclasses.is_dataclass(cls) and cls.__module__ == events.__name__
    }
    assert declared == set(EFFECTS.handlers)
