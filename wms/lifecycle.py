"""Typed states and the legal moves between them, declared once per kind of object.

Each area declares its status sets as `StrEnum`s in its `model.py`, with a `Lifecycle` naming the
moves it allows. Stored values are the enum's strings, so the tables keep their columns and a state
read back from the database compares equal to its member. An illegal move raises IllegalTransition
(409 over HTTP) naming the object, where it is and where it was asked to go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from wms.errors import IllegalTransition, Invalid, Text

S = TypeVar("S", bound=StrEnum)


class Lifecycle(Generic[S]):
    """The states of one kind of object and, for each, the states it may move to."""

    def __init__(self, noun: str, states: type[S], moves: Mapping[S, Iterable[S]]) -> None:
        self.noun, self.states = noun, states
        self.moves: dict[S, frozenset[S]] = {state: frozenset(moves.get(state, ())) for state in states}
        unknown = {target for targets in self.moves.values() for target in targets} - set(states)
        if unknown:  # a programming error in the declaration, caught at import
            raise TypeError(f"{noun} lifecycle moves to states it does not declare: {sorted(unknown)}")

    def state(self, value: str | S) -> S:
        """The member for a stored value; Invalid for a value this lifecycle does not know."""
        try:
            return self.states(value)
        except ValueError:
            raise Invalid("{state!r} is not a {noun} state", state=value, noun=self.noun) from None

    def allows(self, current: str | S, target: S) -> bool:
        return target in self.moves[self.state(current)]

    def move(self, current: str | S, target: S, *, what: str | None = None) -> S:
        """`target`, if a `current` object may move there; otherwise IllegalTransition."""
        if not self.allows(current, target):
            name = what or f"the {self.noun}"
            raise IllegalTransition(
                Text(
                    "{name} is {state} and cannot become {target}",
                    name=name,
                    state=self.state(current).value,
                    target=target.value,
                ),
                state=str(current),
                target=target.value,
            )
        return target

    def final(self) -> frozenset[S]:
        """States with no way out."""
        return frozenset(state for state, targets in self.moves.items() if not targets)
