"""Faults a simulated printer can be switched into while it runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Faults:
    """The switchable conditions of a simulated printer (all off = healthy)."""

    paper_out: bool = False  # stops printing; received jobs wait in the buffer
    head_open: bool = False  # ZPL head up / ESC/POS cover open: stops printing
    ribbon_out: bool = False  # ZPL only
    paused: bool = False  # stops printing, still answers status
    offline: bool = False  # refuses connections and drops the open ones
    slow_seconds: float = 0.0  # time each label takes to come out
    # A real Zebra does not answer ~HS while media/ribbon is out or the head is open. False makes
    # the simulator answer with the fault flags set instead (what many other ZPL printers do).
    silent_when_faulted: bool = True

    @property
    def stops_printing(self) -> bool:
        return self.paper_out or self.head_open or self.ribbon_out or self.paused or self.offline

    @property
    def media_fault(self) -> bool:
        return self.paper_out or self.head_open or self.ribbon_out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def active(self) -> list[str]:
        """The faults switched on, as words for a page ("paper_out", "slow_seconds=2.0")."""
        words = [
            name
            for name in ("paper_out", "head_open", "ribbon_out", "paused", "offline")
            if getattr(self, name)
        ]
        return words + ([f"slow_seconds={self.slow_seconds:g}"] if self.slow_seconds else [])


def updated(faults: Faults, changes: dict[str, Any]) -> Faults:
    """`faults` with `changes` applied; ValueError naming an unknown or mistyped switch."""
    known = {item.name: item.type for item in fields(Faults)}
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in known:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
        if name == "slow_seconds":
            seconds = float(value)
            if seconds < 0:
                raise ValueError("slow_seconds cannot be negative")
            clean[name] = seconds
        elif isinstance(value, bool):
            clean[name] = value
        elif isinstance(value, str) and value.lower() in ("1", "0", "true", "false", "on", "off"):
            clean[name] = value.lower() in ("1", "true", "on")
        else:
            raise ValueError(f"fault {name!r} takes true or false, got {value!r}")
    return replace(faults, **clean)
