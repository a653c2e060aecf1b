"""The ESC/POS real-time status bytes (DLE EOT 1..4) as a `PrinterStatus`.

Epson's layout: every answer has bits 1 and 4 set and bits 0 and 7 clear.
  n=1 printer:       bit 3 offline
  n=2 offline cause: bit 2 cover open, bit 3 paper fed by the button, bit 5 stopped at paper end,
                     bit 6 error
  n=3 error:         bit 2 mechanical, bit 3 auto-cutter, bit 5 unrecoverable, bit 6 auto-recoverable
  n=4 paper sensor:  bits 2-3 paper near end, bits 5-6 paper end
python-escpos sends the queries but reads only the paper byte's meaning, hence this module.
"""

from __future__ import annotations

from devices.printers.status import (
    CUTTER_ERROR,
    HEAD_OPEN,
    MECHANICAL_ERROR,
    OFFLINE,
    PAPER_LOW,
    PAPER_OUT,
    PrinterStatus,
    status_from_faults,
)

DLE_EOT = b"\x10\x04"
STATUS_KINDS = (1, 2, 3, 4)


class StatusByteError(ValueError):
    """A byte that cannot be a DLE EOT answer (its fixed bits are wrong)."""


def _checked(value: int) -> int:
    if value & 0x93 != 0x12:
        raise StatusByteError(f"0x{value:02x} is not a DLE EOT status byte")
    return value


def status_queries() -> bytes:
    """The four real-time status queries, sent together."""
    return b"".join(DLE_EOT + bytes([kind]) for kind in STATUS_KINDS)


def parse_status_bytes(answers: bytes) -> PrinterStatus:
    """The status four DLE EOT answers (kinds 1, 2, 3, 4 in order) amount to."""
    if len(answers) != len(STATUS_KINDS):
        raise StatusByteError(f"expected {len(STATUS_KINDS)} status bytes, got {len(answers)}")
    printer, cause, error, paper = (_checked(value) for value in answers)
    flags = {
        PAPER_OUT: bool(paper & 0x60) or bool(cause & 0x20),
        PAPER_LOW: bool(paper & 0x0C),
        HEAD_OPEN: bool(cause & 0x04),
        CUTTER_ERROR: bool(error & 0x08),
        MECHANICAL_ERROR: bool(error & 0x04) or bool(error & 0x20),
    }
    faults = frozenset(name for name, on in flags.items() if on)
    if printer & 0x08 and not faults - {PAPER_LOW}:
        faults |= {OFFLINE}  # offline with no cause given (paused, feeding paper, error)
    return status_from_faults(faults)
