"""USB HID keyboard-wedge scanners on Linux: key events from /dev/input/eventN become `Scan`s.

The device is grabbed (EVIOCGRAB) so its keystrokes reach only Kaeru, not whatever window has focus.
Key codes are turned into text through a keyboard layout (devices/keymaps/*.json: us, de, jp),
because a wedge scanner types for the layout it was set up for. Enter ends a scan (Tab too, if
configured); Ctrl+<key> types a control character, so Ctrl+] is GS (0x1D) on a US layout, and
Alt + keypad digits types the character with that code, the two ways wedge scanners send GS.

URL: `hid:///dev/input/by-id/usb-Scanner-event-kbd?layout=de&terminator=enter&aim=1&gs=%7E&grab=1`.

evdev supplies the key codes; the events are read as the kernel's `struct input_event` straight
from the file (the ABI evdev itself reads), not through evdev.InputDevice, whose constructor asks
the kernel for device capabilities and so cannot read anything but a real event device.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import os
import struct
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

from evdev import ecodes

from devices.errors import DeviceDisconnected
from devices.health import DeviceHealth
from devices.scan import Scan, parse_scan
from devices.serial_port import split_device_url

# struct input_event on 64-bit Linux: struct timeval (two longs), __u16 type, __u16 code, __s32 value.
INPUT_EVENT = struct.Struct("@llHHi")
# _IOW('E', 0x90, int) from linux/input.h; 1 grabs the device for this file descriptor alone.
EVIOCGRAB = 0x40044590

KeyEvent = tuple[int, int, int]  # (type, code, value) as in evdev: value 1 press, 0 release, 2 repeat
Level = Literal[0, 1, 2]  # plain, Shift, AltGr

_SHIFT = {ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT}
_CTRL = {ecodes.KEY_LEFTCTRL, ecodes.KEY_RIGHTCTRL}
_ALTGR = ecodes.KEY_RIGHTALT
_ALT = ecodes.KEY_LEFTALT
_ENTER = {ecodes.KEY_ENTER, ecodes.KEY_KPENTER}
_KEYPAD_DIGITS = {getattr(ecodes, f"KEY_KP{n}"): str(n) for n in range(10)}
_KEYPAD_KEYS = {code for name, code in ecodes.ecodes.items() if name.startswith("KEY_KP")}
UNMAPPED = "\ufffd"  # stands in for a key the layout does not know; the scan becomes "unknown"


@dataclass(frozen=True)
class Layout:
    """Which character each key types at each level."""

    name: str
    keys: dict[int, tuple[str, ...]]  # key code -> (plain, shift[, altgr])

    def char(self, code: int, level: Level) -> str | None:
        chars = self.keys.get(code)
        if chars is None or level >= len(chars) or not chars[level]:
            return None
        return chars[level]

    def key_for(self, char: str) -> tuple[int, Level] | None:
        """The key and level that type `char` (the inverse map, for typing text)."""
        return self._typing.get(char)

    @cached_property
    def _typing(self) -> dict[str, tuple[int, Level]]:
        # The lowest level wins, and the main block over the keypad, as a scanner types.
        inverse: dict[str, tuple[int, Level]] = {}
        for level in (0, 1, 2):
            for code, chars in sorted(self.keys.items(), key=lambda item: item[0] in _KEYPAD_KEYS):
                if level < len(chars) and chars[level]:
                    inverse.setdefault(chars[level], (code, level))  # type: ignore[arg-type]
        return inverse


@cache
def load_layout(name: str) -> Layout:
    """A layout from devices/keymaps/<name>.json (key names as in linux/input-event-codes.h)."""
    try:
        text = resources.files("devices").joinpath("keymaps", f"{name}.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"no keyboard layout {name!r}") from None
    data = json.loads(text)
    return Layout(
        name=data["name"], keys={ecodes.ecodes[key]: tuple(chars) for key, chars in data["keys"].items()}
    )


@dataclass
class TypedLine:
    """A scan typed so far: its text, and keys that typed nothing the layout knows."""

    text: str = ""
    unmapped: list[str] = field(default_factory=list)


@dataclass
class KeystrokeDecoder:
    """Turns key events into the lines a wedge scanner typed. Pure: no I/O, fed one event at a time."""

    layout: Layout
    terminators: frozenset[int] = frozenset(_ENTER)
    shift: set[int] = field(default_factory=set)
    ctrl: set[int] = field(default_factory=set)
    altgr: bool = False
    alt: bool = False
    alt_code: str = ""
    caps_lock: bool = False
    line: TypedLine = field(default_factory=TypedLine)

    def feed(self, event: KeyEvent) -> TypedLine | None:  # noqa: C901 - predates the complexity limit
        """Take one event; returns the finished line when it was a terminator."""
        kind, code, value = event
        if kind != ecodes.EV_KEY or value == 2:  # sync/scan-code events, auto-repeat
            return None
        pressed = value == 1
        if code in _SHIFT or code in _CTRL:
            group = self.shift if code in _SHIFT else self.ctrl
            (group.add if pressed else group.discard)(code)
            return None
        if code == _ALTGR:
            self.altgr = pressed
            return None
        if code == _ALT:
            self.alt = pressed
            if not pressed and self.alt_code:
                self.line.text += chr(int(self.alt_code) % 256)
                self.alt_code = ""
            return None
        if not pressed:
            return None
        if code == ecodes.KEY_CAPSLOCK:
            self.caps_lock = not self.caps_lock
            return None
        if code in self.terminators:
            finished, self.line = self.line, TypedLine()
            return finished
        if code == ecodes.KEY_TAB:  # a Tab that does not end the scan is part of it
            self.line.text += "\t"
            return None
        if self.alt and code in _KEYPAD_DIGITS:
            self.alt_code += _KEYPAD_DIGITS[code]
            return None
        self._type(code)
        return None

    def _type(self, code: int) -> None:
        level: Level = 2 if self.altgr else (1 if self.shift else 0)
        char = self.layout.char(code, level)
        if char is None:
            self.line.text += UNMAPPED
            name = ecodes.KEY.get(code, str(code))
            self.line.unmapped.append(str(name[0] if isinstance(name, list | tuple) else name))
            return
        if self.caps_lock and char.isalpha() and len(char) == 1:
            char = char.swapcase()
        if self.ctrl:
            control = char.upper()
            if "@" <= control <= "_":  # Ctrl+] is GS (0x1D), Ctrl+M is CR, as on a terminal
                char = chr(ord(control) & 0x1F)
        self.line.text += char

    def flush(self) -> TypedLine:
        """Whatever was typed without a terminator yet (e.g. when the device goes away)."""
        finished, self.line = self.line, TypedLine()
        return finished


def decode_keystrokes(events: Iterable[KeyEvent], layout: Layout) -> list[TypedLine]:
    """All complete lines in a sequence of key events."""
    decoder = KeystrokeDecoder(layout)
    return [line for event in events if (line := decoder.feed(event)) is not None]


def keystrokes(text: str, layout: Layout, *, enter: bool = True) -> list[KeyEvent]:
    """The key events a wedge scanner set to `layout` sends to type `text` (GS as Ctrl+])."""
    events: list[KeyEvent] = []

    def tap(code: int, *modifiers: int) -> None:
        events.extend((ecodes.EV_KEY, m, 1) for m in modifiers)
        events.extend([(ecodes.EV_KEY, code, 1), (ecodes.EV_KEY, code, 0)])
        events.extend((ecodes.EV_KEY, m, 0) for m in reversed(modifiers))
        events.append((ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    for char in text:
        control = ord(char) < 0x20
        found = layout.key_for(chr(ord(char) | 0x40).lower() if control else char)
        if found is None and control:
            found = layout.key_for(chr(ord(char) | 0x40))
        if found is None:
            raise ValueError(f"layout {layout.name} cannot type {char!r}")
        code, level = found
        modifiers = [ecodes.KEY_LEFTCTRL] if control else []
        modifiers += {0: [], 1: [ecodes.KEY_LEFTSHIFT], 2: [_ALTGR]}[level]
        tap(code, *modifiers)
    if enter:
        tap(ecodes.KEY_ENTER)
    return events


def scan_from_line(
    line: TypedLine, *, device: str, aim: bool, gs_substitute: str | None, problem: str | None = None
) -> Scan:
    scan = parse_scan(line.text, device=device, gs_substitute=gs_substitute, aim=aim)
    if line.unmapped:
        problem = problem or f"keys not in the layout: {', '.join(line.unmapped)}"
    if problem is None:
        return scan
    return Scan(
        raw=scan.raw, kind="unknown", symbology=scan.symbology, device=device, at=scan.at, error=problem
    )


def open_input(path: str, *, grab: bool) -> int:
    """Open an input device file for reading, grabbed for this process alone when `grab`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DeviceDisconnected(f"cannot open {path}: {exc}") from exc
    if grab:
        try:
            fcntl.ioctl(fd, EVIOCGRAB, 1)
        except OSError as exc:
            os.close(fd)
            raise DeviceDisconnected(f"cannot grab {path} for this station alone: {exc}") from exc
    return fd


async def read_device(fd: int, path: str, size: int) -> AsyncGenerator[bytes, None]:
    """What an input device file (evdev, hidraw, or a pty standing in for one) delivers, read by
    read by read. Ends with DeviceDisconnected when the device goes away (ENODEV or EIO on unplug,
    or end of file)."""
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(fd, readable.set)
    try:
        while True:
            await readable.wait()
            readable.clear()
            try:
                data = os.read(fd, size)
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno in (errno.ENODEV, errno.EIO):
                    raise DeviceDisconnected(f"{path} went away: {exc}") from exc
                raise
            if not data:
                raise DeviceDisconnected(f"{path} went away: end of input")
            yield data
    finally:
        loop.remove_reader(fd)


async def read_input_events(fd: int, path: str) -> AsyncGenerator[KeyEvent, None]:
    """Key events from an open input device file (or anything carrying `struct input_event`s)."""
    pending = b""
    chunks = read_device(fd, path, INPUT_EVENT.size * 64)
    try:
        async for data in chunks:
            pending += data
            whole = len(pending) - len(pending) % INPUT_EVENT.size
            for _sec, _usec, kind, code, value in INPUT_EVENT.iter_unpack(pending[:whole]):
                yield kind, code, value
            pending = pending[whole:]
    finally:
        await chunks.aclose()


_TERMINATOR_KEYS = {
    "enter": frozenset(_ENTER),
    "tab": frozenset({ecodes.KEY_TAB}),
    "both": frozenset({*_ENTER, ecodes.KEY_TAB}),
}


class HidScanner:
    """A keyboard-wedge scanner read through evdev key events."""

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None:
        path, query = split_device_url(url, "hid")
        query.update({key: str(value) for key, value in options.items()})
        terminator = query.get("terminator", "enter").lower()
        if terminator not in _TERMINATOR_KEYS:
            raise ValueError(f"terminator must be enter, tab or both, not {terminator!r}")
        self.url = url
        self.device_id = device_id
        self.path = path
        self.layout = load_layout(query.get("layout", "us"))
        self.terminators = _TERMINATOR_KEYS[terminator]
        self.aim = query.get("aim", "1").lower() in ("1", "true", "yes", "on")
        gs = query.get("gs")
        self.gs_substitute = gs.encode("latin-1").decode("utf-8") if gs else None
        self.grab = query.get("grab", "1").lower() in ("1", "true", "yes", "on")

    def _scan(self, line: TypedLine, problem: str | None = None) -> Scan:
        return scan_from_line(
            line, device=self.device_id, aim=self.aim, gs_substitute=self.gs_substitute, problem=problem
        )

    async def run(self, emit: Callable[[Any], Awaitable[None]]) -> None:
        fd = open_input(self.path, grab=self.grab)
        events = read_input_events(fd, self.path)
        decoder = KeystrokeDecoder(self.layout, self.terminators)
        try:
            detail = f"{self.path}, layout {self.layout.name}{', grabbed' if self.grab else ''}"
            await emit(DeviceHealth(self.device_id, self.url, "connected", detail))
            async for event in events:
                line = decoder.feed(event)
                if line is not None and (line.text or line.unmapped):
                    await emit(self._scan(line))
        except DeviceDisconnected:
            partial = decoder.flush()
            if partial.text:
                await emit(self._scan(partial, "partial scan cut by disconnect"))
            raise
        finally:
            await events.aclose()
            os.close(fd)  # closing also releases the grab

    async def close(self) -> None:
        """Nothing to release: the event file is closed when `run` ends."""
