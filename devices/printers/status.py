"""What a printer says about itself, as plain values, whatever language it speaks.

Every driver turns its printer's own status answer (ZPL `~HS`, ESC/POS `DLE EOT`, CUPS `lpstat`)
into one `PrinterStatus`; the spooler decides from that value alone whether it may send a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

PrinterState = Literal["ready", "busy", "fault", "offline"]

# Fault names shared by all drivers, so the dashboard shows the same words for every printer.
PAPER_OUT = "paper_out"
PAPER_LOW = "paper_low"  # a warning: the printer still prints
HEAD_OPEN = "head_open"  # ZPL head up; ESC/POS cover open
RIBBON_OUT = "ribbon_out"
PAUSED = "paused"
BUFFER_FULL = "buffer_full"
OFFLINE = "offline"  # the printer says it is offline, or cannot be reached
NO_ANSWER = "no_answer"  # connected, but no status answer within the timeout
HEAD_TEMPERATURE = "head_temperature"
MEMORY_CORRUPT = "memory_corrupt"
CUTTER_ERROR = "cutter_error"
MECHANICAL_ERROR = "mechanical_error"
DISABLED = "disabled"  # a CUPS queue that is disabled or not accepting jobs

# Conditions that still let a job print.
WARNINGS = frozenset({PAPER_LOW})


@dataclass(frozen=True)
class PrinterStatus:
    """One status answer. `faults` empty (or warnings only) means the printer can take a job."""

    state: PrinterState
    faults: frozenset[str] = frozenset()
    detail: str = ""
    formats_in_buffer: int = 0  # jobs received but not yet printed (ZPL); 0 where unknown
    labels_remaining: int = 0  # labels left in the current batch (ZPL); 0 where unknown
    partial_format: bool = False  # a format is half-received (ZPL)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ready(self) -> bool:
        """The printer can take a new job now."""
        return self.state in ("ready", "busy") and not (self.faults - WARNINGS)

    @property
    def drained(self) -> bool:
        """Everything the printer was sent has left the print head."""
        return (
            self.ready
            and self.formats_in_buffer == 0
            and self.labels_remaining == 0
            and not self.partial_format
        )


def status_from_faults(
    faults: frozenset[str],
    *,
    formats_in_buffer: int = 0,
    labels_remaining: int = 0,
    partial_format: bool = False,
    detail: str = "",
) -> PrinterStatus:
    """The overall state a set of fault flags and buffer counts amount to."""
    blocking = faults - WARNINGS
    state: PrinterState
    if OFFLINE in blocking:
        state = "offline"
    elif blocking:
        state = "fault"
    elif formats_in_buffer or labels_remaining or partial_format:
        state = "busy"
    else:
        state = "ready"
    return PrinterStatus(
        state=state,
        faults=faults,
        detail=detail or describe(faults),
        formats_in_buffer=formats_in_buffer,
        labels_remaining=labels_remaining,
        partial_format=partial_format,
    )


def unreachable(detail: str, *, fault: str = OFFLINE) -> PrinterStatus:
    """The status to record when the printer could not be asked at all."""
    state: PrinterState = "offline" if fault == OFFLINE else "fault"
    return PrinterStatus(state=state, faults=frozenset({fault}), detail=detail)


_WORDS = {
    PAPER_OUT: "out of paper",
    PAPER_LOW: "paper low",
    HEAD_OPEN: "head/cover open",
    RIBBON_OUT: "ribbon out",
    PAUSED: "paused",
    BUFFER_FULL: "receive buffer full",
    OFFLINE: "offline",
    NO_ANSWER: "no status answer",
    HEAD_TEMPERATURE: "head temperature out of range",
    MEMORY_CORRUPT: "configuration memory lost",
    CUTTER_ERROR: "cutter error",
    MECHANICAL_ERROR: "mechanical error",
    DISABLED: "queue disabled",
}


def describe(faults: frozenset[str]) -> str:
    """A short human sentence for a set of faults, in a stable order."""
    if not faults:
        return "ready"
    return ", ".join(_WORDS.get(name, name) for name in sorted(faults))
