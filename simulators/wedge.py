"""A keyboard-wedge barcode scanner as a real input device: a virtual keyboard made through uinput.

Where the kernel offers /dev/uinput (the `uinput` module loaded, and the right to open it), the
simulator creates a keyboard with python-evdev's `UInput` and types each scan the way a wedge
scanner set to a keyboard layout does (`devices.hid.keystrokes`: Shift/AltGr, GS as Ctrl+]); the
station reads it at `hid:///dev/input/eventN?layout=...` like a scanner plugged into USB. It can
also replay a capture in evemu-record's format (`read_evemu`), such as one taken from a real
scanner with `evemu-record /dev/input/eventN`.

Where there is no /dev/uinput, `start` raises UinputUnavailable with what is missing; the driver's
decoding is then checked against recorded event streams instead (tests/unit/devices/data/wedge).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable
from typing import Any

from evdev import ecodes

from devices.hid import KeyEvent, keystrokes, load_layout

UINPUT = "/dev/uinput"
_EVEMU_EVENT = re.compile(r"^E:\s+[\d.]+\s+([0-9a-fA-F]{4})\s+([0-9a-fA-F]{4})\s+(-?\d+)")


class UinputUnavailable(OSError):
    """The kernel offers no /dev/uinput here (or this process may not open it)."""


def uinput_missing(devnode: str = UINPUT) -> str | None:
    """Why a virtual input device cannot be made here, or None when it can."""
    if not os.path.exists(devnode):
        return f"{devnode} is absent: the kernel has no uinput (modprobe uinput, or a container without it)"
    if not os.access(devnode, os.W_OK):
        return f"{devnode} exists but this user may not open it for writing (udev rule or the input group)"
    return None


def read_evemu(text: str) -> list[KeyEvent]:
    """The events of an evemu-record capture (`E: <time> <type> <code> <value>` lines)."""
    out: list[KeyEvent] = []
    for line in text.splitlines():
        m = _EVEMU_EVENT.match(line)
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))))
    return out


class WedgeSimulator:
    """A wedge scanner set to `layout`, typing scans on a virtual keyboard at `key_delay_s` per key."""

    def __init__(
        self, *, layout: str = "us", name: str = "Kaeru wedge scanner", key_delay_s: float = 0.001
    ) -> None:
        self.layout = load_layout(layout)
        self.layout_name = layout
        self.name = name
        self.key_delay_s = key_delay_s
        self._device: Any = None

    def start(self, devnode: str = UINPUT) -> str:
        """Create the virtual keyboard; returns its /dev/input/eventN path."""
        why = uinput_missing(devnode)
        if why is not None:
            raise UinputUnavailable(why)
        from evdev import UInput  # only where uinput exists: it opens the device on construction

        keys = sorted({code for code in self.layout.keys} | _CONTROL_KEYS)
        self._device = UInput({ecodes.EV_KEY: keys}, name=self.name, devnode=devnode)
        return str(self._device.device.path)

    @property
    def path(self) -> str:
        if self._device is None:
            raise RuntimeError("the wedge simulator is not started")
        return str(self._device.device.path)

    def url(self, *, grab: bool = True) -> str:
        return f"hid://{self.path}?layout={self.layout_name}&grab={int(grab)}"

    async def scan(self, text: str) -> None:
        """Type one scan and Enter, as the scanner does."""
        await self.replay(keystrokes(text, self.layout))

    async def replay(self, events: Iterable[KeyEvent]) -> None:
        """Send key events (e.g. from `read_evemu`) through the virtual keyboard."""
        if self._device is None:
            raise RuntimeError("the wedge simulator is not started")
        for kind, code, value in events:
            self._device.write(kind, code, value)
            if kind == ecodes.EV_SYN:
                await asyncio.sleep(self.key_delay_s)
        self._device.syn()

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None


_CONTROL_KEYS = {
    ecodes.KEY_ENTER,
    ecodes.KEY_TAB,
    ecodes.KEY_LEFTSHIFT,
    ecodes.KEY_RIGHTSHIFT,
    ecodes.KEY_LEFTCTRL,
    ecodes.KEY_LEFTALT,
    ecodes.KEY_RIGHTALT,
    *(getattr(ecodes, f"KEY_KP{n}") for n in range(10)),
}
