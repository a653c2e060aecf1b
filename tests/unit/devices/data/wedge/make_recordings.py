"""Writes the wedge recordings in this folder: what a keyboard-wedge scanner set to each layout sends.

Which key (and Shift/AltGr) types each character is asked of libxkbcommon with xkeyboard-config's
layouts (Debian packages libxkbcommon0 and xkb-data 2.35), never of Kaeru's own keymaps, so the
recordings check devices/keymaps/*.json against the keyboard layouts the desktop uses. The files are
in evemu-record's format (one `E: <time> <type> <code> <value>` line per kernel input event), the
format `evemu-record /dev/input/eventN` writes, so a capture from a real scanner can sit beside them.

    python tests/unit/devices/data/wedge/make_recordings.py   (needs libxkbcommon.so.0 and xkb-data)
"""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

from evdev import ecodes

HERE = Path(__file__).parent
GS = "\x1d"
# What each recording types: Kaeru codes, a GS1 DataMatrix with GS, an EAN-13, mixed case and signs.
TEXTS = ["]C0LOC-A-01-02", "]d2010950600013435210LOT1" + GS + "17261231", "]E04006381333931", "]C0Yz/Zy#+@*"]
LAYOUTS = {"us": ("us", ""), "de": ("de", ""), "jp": ("jp", "")}
# How each layout's scanner sends GS: Ctrl+] where ] needs no modifier, else Alt + keypad 0 2 9.
GS_BY = {"us": "ctrl", "de": "alt-keypad", "jp": "ctrl"}


class RuleNames(ctypes.Structure):
    _fields_ = [(n, ctypes.c_char_p) for n in ("rules", "model", "layout", "variant", "options")]


xkb = ctypes.CDLL("libxkbcommon.so.0")
xkb.xkb_context_new.restype = ctypes.c_void_p
xkb.xkb_keymap_new_from_names.restype = ctypes.c_void_p
xkb.xkb_keymap_new_from_names.argtypes = [ctypes.c_void_p, ctypes.POINTER(RuleNames), ctypes.c_int]
xkb.xkb_state_new.restype = ctypes.c_void_p
xkb.xkb_state_new.argtypes = [ctypes.c_void_p]
xkb.xkb_state_unref.argtypes = [ctypes.c_void_p]
xkb.xkb_state_update_key.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int]
xkb.xkb_state_key_get_utf8.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]

MODIFIERS = {
    0: [],
    1: [ecodes.KEY_LEFTSHIFT],
    2: [ecodes.KEY_RIGHTALT],
    3: [ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTALT],
}
KEYPAD = {code for name, code in ecodes.ecodes.items() if name.startswith("KEY_KP")}


def typed_by(layout: str, variant: str) -> dict[str, tuple[int, list[int]]]:
    """character -> (evdev key code, modifier keys held) for one xkeyboard-config layout."""
    context = xkb.xkb_context_new(0)
    names = RuleNames(b"evdev", b"pc105", layout.encode(), variant.encode(), b"")
    keymap = xkb.xkb_keymap_new_from_names(context, ctypes.byref(names), 0)
    table: dict[str, tuple[int, list[int]]] = {}
    for level, held in MODIFIERS.items():
        for code in sorted(range(1, 200), key=lambda c: c in KEYPAD):
            state = xkb.xkb_state_new(keymap)
            for modifier in held:
                xkb.xkb_state_update_key(state, modifier + 8, 1)  # xkb keycode = evdev code + 8
            out = ctypes.create_string_buffer(16)
            xkb.xkb_state_key_get_utf8(state, code + 8, out, 16)
            xkb.xkb_state_unref(state)
            char = out.value.decode("utf-8", "replace")
            if len(char) == 1 and char.isprintable() and char not in table:
                table[char] = (code, held)
        del level
    return table


def events(text: str, table: dict[str, tuple[int, list[int]]], gs_by: str) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []

    def tap(code: int, held: list[int]) -> None:
        out.extend((ecodes.EV_KEY, m, 1) for m in held)
        out.extend([(ecodes.EV_KEY, code, 1), (ecodes.EV_SYN, 0, 0), (ecodes.EV_KEY, code, 0)])
        out.extend((ecodes.EV_KEY, m, 0) for m in reversed(held))
        out.append((ecodes.EV_SYN, 0, 0))

    for char in text:
        if char == GS and gs_by == "ctrl":
            code, held = table["]"]
            tap(code, [ecodes.KEY_LEFTCTRL, *held])
        elif char == GS:
            out.append((ecodes.EV_KEY, ecodes.KEY_LEFTALT, 1))
            for digit in "029":
                tap(getattr(ecodes, f"KEY_KP{digit}"), [])
            out.extend([(ecodes.EV_KEY, ecodes.KEY_LEFTALT, 0), (ecodes.EV_SYN, 0, 0)])
        else:
            tap(*table[char])
    tap(ecodes.KEY_ENTER, [])
    return out


def evemu(name: str, stream: list[tuple[int, int, int]], note: str) -> str:
    lines = ["# EVEMU 1.3", f"# {note}", f"N: {name}", "I: 0003 0c2e 0b61 0110"]
    t = 0.0
    for kind, code, value in stream:
        label = "SYN_REPORT" if kind == ecodes.EV_SYN else ecodes.KEY[code]
        label = label if isinstance(label, str) else label[0]
        lines.append(f"E: {t:.6f} {kind:04x} {code:04x} {value:04d}\t# {label} {value}")
        if kind == ecodes.EV_SYN:
            t += 0.002  # ~500 keys/s: a wedge scanner's pace
    return "\n".join(lines) + "\n"


def main() -> None:
    for name, (layout, variant) in LAYOUTS.items():
        table = typed_by(layout, variant)
        for i, text in enumerate(TEXTS):
            stream = events(text, table, GS_BY[name])
            note = f"typed: {json.dumps(text)} on xkeyboard-config layout {layout!r} (GS by {GS_BY[name]})"
            (HERE / f"{name}-{i + 1}.evemu").write_text(evemu(f"Wedge scanner ({name})", stream, note))


if __name__ == "__main__":
    main()
