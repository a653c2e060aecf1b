"""An ESC/POS command interpreter: the byte stream a receipt printer receives, as print operations.

Written by hand because no maintained library reads ESC/POS back: python-escpos only writes it,
and the printers' own firmware is what normally interprets it. It covers what python-escpos emits
(and the common Epson TM commands around it): text with code page select (ESC t), print modes
(ESC !, ESC E, ESC -, ESC M, GS !, GS B), alignment (ESC a), feeds (LF, ESC d, ESC J), barcodes
(GS k, with GS h/w/H), QR codes (GS ( k), raster and column images (GS v 0, GS ( L, ESC *), cuts
(GS V) and the real-time status query (DLE EOT). Commands it does not know are skipped by their
documented length and reported as `Unknown`, never fatal.

The parser is incremental: `feed()` takes whatever arrived on the wire and keeps an unfinished
command for the next call, so TCP segment boundaries do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal

from escpos.capabilities import get_profile
from escpos.magicencode import Encoder

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C
LF, CR, HT, FF, CAN = 0x0A, 0x0D, 0x09, 0x0C, 0x18

Align = Literal["left", "center", "right"]
_ALIGN: dict[int, Align] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass(frozen=True)
class Style:
    """The print mode in force when a character was received."""

    bold: bool = False
    underline: bool = False
    font_b: bool = False
    width: int = 1  # character width multiplier
    height: int = 1  # character height multiplier
    invert: bool = False
    upside_down: bool = False


@dataclass(frozen=True)
class TextLine:
    """A printed line of text: runs of characters, each with its style."""

    runs: tuple[tuple[str, Style], ...]
    align: Align

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


@dataclass(frozen=True)
class Feed:
    dots: int


@dataclass(frozen=True)
class Barcode:
    symbology: str  # python-escpos names: CODE128, EAN13, EAN8, UPC-A, UPC-E, CODE39, ITF, ...
    data: str  # the content a scanner reads (CODE128 code-set switches resolved)
    height: int
    module: int
    hri: int  # 0 none, 1 above, 2 below, 3 both
    align: Align
    gs1: bool = False  # FNC1 in the first position: a GS1-128 symbol, which a scanner reads as ]C1


@dataclass(frozen=True)
class QrCode:
    data: str
    module: int
    error_correction: str  # L, M, Q, H
    align: Align


@dataclass(frozen=True)
class Raster:
    """A black-and-white image, one bit per dot, rows packed MSB first (1 = black)."""

    width: int
    height: int
    rows: bytes
    scale_x: int
    scale_y: int
    align: Align


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class StatusRequest:
    """DLE EOT n: the printer must answer one status byte at once."""

    kind: int


@dataclass(frozen=True)
class Unknown:
    raw: bytes


Operation = TextLine | Feed | Barcode | QrCode | Raster | Cut | StatusRequest | Unknown
PRINTING = (TextLine, Feed, Barcode, QrCode, Raster)

_FUNCTION_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_FUNCTION_B = {
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "CODABAR",
    72: "CODE93",
    73: "CODE128",
    74: "GS1-128",
    75: "GS1 DATABAR OMNIDIRECTIONAL",
    76: "GS1 DATABAR TRUNCATED",
    77: "GS1 DATABAR LIMITED",
    78: "GS1 DATABAR EXPANDED",
}
_QR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}
# ESC and GS commands with a fixed number of parameter bytes (Epson ESC/POS reference).
_ESC_FIXED = {
    ord("@"): 0, ord("!"): 1, ord("E"): 1, ord("G"): 1, ord("-"): 1, ord("M"): 1, ord("a"): 1,
    ord("t"): 1, ord("d"): 1, ord("J"): 1, ord("2"): 0, ord("3"): 1, ord("{"): 1, ord("V"): 1,
    ord("R"): 1, ord("="): 1, ord("p"): 3, ord("B"): 2, ord(" "): 1, ord("$"): 2, ord("\\"): 2,
    ord("i"): 0, ord("m"): 0, ord("%"): 1, ord("c"): 2, ord("e"): 1, ord("K"): 1, ord("L"): 0,
    ord("S"): 0, ord("T"): 1, ord("U"): 1, ord("r"): 1, ord("u"): 1, ord("v"): 0, ord("?"): 1,
}  # fmt: skip
_GS_FIXED = {
    ord("!"): 1, ord("B"): 1, ord("b"): 1, ord("h"): 1, ord("w"): 1, ord("H"): 1, ord("f"): 1,
    ord("L"): 2, ord("W"): 2, ord("r"): 1, ord("a"): 1, ord("I"): 1, ord("P"): 2, ord("T"): 1,
    ord("\\"): 2, ord("$"): 2, ord(":"): 0, ord("^"): 3, ord("/"): 1, ord("E"): 1, ord("j"): 1,
}  # fmt: skip
_FS_FIXED = {
    ord("&"): 0,
    ord("."): 0,
    ord("!"): 1,
    ord("-"): 1,
    ord("C"): 1,
    ord("S"): 2,
    ord("W"): 1,
    ord("p"): 2,
}


class _NeedMore(Exception):
    """The buffer ends inside a command."""


@cache
def code_pages() -> dict[int, tuple[str, ...]]:
    """Characters 128-255 of each code page number, from python-escpos's printer database."""
    pages: dict[int, tuple[str, ...]] = {}
    for name, number in get_profile().get_code_pages().items():
        try:
            pages[int(number)] = tuple(Encoder._get_codepage_char_list(name))
        except (LookupError, KeyError, ValueError):
            continue
    return pages


def starts_with_fnc1(data: bytes) -> bool:
    """Whether GS k CODE128 data puts FNC1 first (after any code-set selections): GS1-128."""
    index = 0
    while data[index : index + 1] == b"{" and index + 1 < len(data):
        if data[index + 1 : index + 2] == b"1":
            return True
        if data[index + 1 : index + 2] not in (b"A", b"B", b"C"):
            return False
        index += 2
    return False


def decode_code128(data: bytes) -> str:
    """The text a scanner reads from GS k function B CODE128 data (`{A`/`{B`/`{C` code sets)."""
    text: list[str] = []
    code_set = "B"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == ord("{") and index + 1 < len(data):
            selector = chr(data[index + 1])
            index += 2
            if selector in "ABC":
                code_set = selector
            elif selector == "{":
                text.append("{")
            elif selector == "1":
                text.append("\x1d" if text else "")  # FNC1: GS inside GS1 data, nothing at the start
            continue
        text.append(f"{byte:02d}" if code_set == "C" else chr(byte))
        index += 1
    return "".join(text)


@dataclass
class _State:
    style: Style = field(default_factory=Style)
    align: Align = "left"
    code_page: int = 0
    barcode_height: int = 162
    barcode_module: int = 3
    hri: int = 0
    qr_module: int = 3
    qr_level: str = "L"
    qr_data: bytes = b""
    graphics: Raster | None = None
    runs: list[tuple[str, Style]] = field(default_factory=list)


class EscposParser:
    """Turns received bytes into operations; keeps unfinished commands between calls."""

    def __init__(self) -> None:
        self._buffer = b""
        self._state = _State()

    @property
    def pending(self) -> bool:
        """Whether text is waiting for a line feed, or a command is half-received."""
        return bool(self._buffer or self._state.runs)

    def feed(self, data: bytes) -> list[Operation]:
        self._buffer += data
        operations: list[Operation] = []
        position = 0
        while position < len(self._buffer):
            try:
                position = self._step(position, operations)
            except _NeedMore:
                break
        self._buffer = self._buffer[position:]
        return operations

    def flush(self) -> list[Operation]:
        """Print any text still waiting for its line feed (the connection closed)."""
        operations: list[Operation] = []
        self._end_line(operations, force=False)
        return operations

    def _take(self, position: int, count: int) -> bytes:
        end = position + count
        if end > len(self._buffer):
            raise _NeedMore
        return self._buffer[position:end]

    def _end_line(self, operations: list[Operation], *, force: bool) -> None:
        state = self._state
        if state.runs:
            operations.append(TextLine(runs=tuple(state.runs), align=state.align))
            state.runs = []
        elif force:
            operations.append(TextLine(runs=(), align=state.align))

    def _character(self, byte: int) -> str:
        if byte < 0x80:
            return chr(byte)
        page = code_pages().get(self._state.code_page) or code_pages()[0]
        return page[byte - 0x80]

    def _step(self, position: int, operations: list[Operation]) -> int:  # noqa: C901 - predates the complexity limit
        byte = self._buffer[position]
        state = self._state
        if byte == ESC:
            return self._esc(position, operations)
        if byte == GS:
            return self._gs(position, operations)
        if byte == DLE:
            return self._dle(position, operations)
        if byte == FS:
            command = self._take(position + 1, 1)[0]
            if command == ord("("):
                head = self._take(position + 2, 3)
                return position + 5 + head[1] + head[2] * 256
            count = _FS_FIXED.get(command, 0)
            self._take(position + 2, count)
            return position + 2 + count
        if byte in (LF, FF):
            self._end_line(operations, force=True)
        elif byte == HT:
            column = sum(len(text) for text, _ in state.runs)
            state.runs.append((" " * (8 - column % 8), state.style))
        elif byte == CAN:
            state.runs = []
        elif byte >= 0x20:
            end = position
            while end < len(self._buffer) and self._buffer[end] >= 0x20:
                end += 1
            text = "".join(self._character(item) for item in self._buffer[position:end])
            if state.runs and state.runs[-1][1] == state.style:
                state.runs[-1] = (state.runs[-1][0] + text, state.style)
            else:
                state.runs.append((text, state.style))
            return end
        return position + 1

    def _esc(self, position: int, operations: list[Operation]) -> int:  # noqa: C901 - predates the complexity limit
        command = self._take(position + 1, 1)[0]
        state = self._state
        if command == ord("*"):
            mode, low, high = self._take(position + 2, 3)
            columns = low + high * 256
            depth = 3 if mode in (32, 33) else 1
            data = self._take(position + 5, columns * depth)
            self._end_line(operations, force=False)
            operations.append(_columns_to_raster(data, columns, depth, mode, state.align))
            return position + 5 + columns * depth
        if command == ord("(") or command == ord("D"):
            if command == ord("D"):  # tab stops, NUL-terminated
                end = self._buffer.find(b"\x00", position + 2)
                if end < 0:
                    raise _NeedMore
                return end + 1
            head = self._take(position + 2, 3)
            return position + 5 + head[1] + head[2] * 256
        count = _ESC_FIXED.get(command)
        if count is None:
            operations.append(Unknown(self._buffer[position : position + 2]))
            return position + 2
        arguments = self._take(position + 2, count)
        value = arguments[0] if arguments else 0
        style = state.style
        if command == ord("@"):
            self._state = _State(runs=state.runs)
        elif command == ord("!"):
            state.style = replace(
                style,
                font_b=bool(value & 0x01),
                bold=bool(value & 0x08),
                height=2 if value & 0x10 else 1,
                width=2 if value & 0x20 else 1,
                underline=bool(value & 0x80),
            )
        elif command in (ord("E"), ord("G")):
            state.style = replace(style, bold=bool(value & 1))
        elif command == ord("-"):
            state.style = replace(style, underline=value in (1, 2, 49, 50))
        elif command == ord("M"):
            state.style = replace(style, font_b=value in (1, 49))
        elif command == ord("{"):
            state.style = replace(style, upside_down=bool(value & 1))
        elif command == ord("a"):
            state.align = _ALIGN.get(value, "left")
        elif command == ord("t"):
            state.code_page = value
        elif command == ord("d"):
            self._end_line(operations, force=True)
            operations.append(Feed(dots=value * 30))
        elif command == ord("J"):
            self._end_line(operations, force=False)
            operations.append(Feed(dots=value))
        elif command in (ord("i"), ord("m")):
            self._end_line(operations, force=False)
            operations.append(Cut(partial=True))
        return position + 2 + count

    def _gs(self, position: int, operations: list[Operation]) -> int:  # noqa: C901 - predates the complexity limit
        command = self._take(position + 1, 1)[0]
        state = self._state
        if command == ord("k"):
            return self._barcode(position, operations)
        if command == ord("v"):
            head = self._take(position + 2, 6)
            width_bytes, height = head[2] + head[3] * 256, head[4] + head[5] * 256
            rows = self._take(position + 8, width_bytes * height)
            self._end_line(operations, force=False)
            mode = head[1] & 0x03
            operations.append(
                Raster(width_bytes * 8, height, rows, 1 + (mode & 1), 1 + (mode >> 1), state.align)
            )
            return position + 8 + width_bytes * height
        if command == ord("("):
            kind, low, high = self._take(position + 2, 3)
            length = low + high * 256
            payload = self._take(position + 5, length)
            self._function(kind, payload, operations)
            return position + 5 + length
        if command == ord("8"):
            head = self._take(position + 2, 5)
            length = int.from_bytes(head[1:5], "little")
            payload = self._take(position + 7, length)
            self._function(head[0], payload, operations)
            return position + 7 + length
        if command == ord("V"):
            mode = self._take(position + 2, 1)[0]
            extra = 1 if mode in (65, 66, 97, 98, 103, 104) else 0
            self._take(position + 3, extra)
            self._end_line(operations, force=False)
            operations.append(Cut(partial=mode in (1, 49, 66, 98, 104)))
            return position + 3 + extra
        if command == ord("*"):
            x, y = self._take(position + 2, 2)
            self._take(position + 4, x * y * 8)
            return position + 4 + x * y * 8
        fixed = _GS_FIXED.get(command)
        if fixed is None:
            operations.append(Unknown(self._buffer[position : position + 2]))
            return position + 2
        arguments = self._take(position + 2, fixed)
        value = arguments[0] if arguments else 0
        if command == ord("!"):
            state.style = replace(state.style, width=(value >> 4) + 1, height=(value & 0x0F) + 1)
        elif command == ord("B"):
            state.style = replace(state.style, invert=bool(value & 1))
        elif command == ord("h"):
            state.barcode_height = max(1, value)
        elif command == ord("w"):
            state.barcode_module = max(1, value)
        elif command == ord("H"):
            state.hri = value & 0x03
        return position + 2 + fixed

    def _barcode(self, position: int, operations: list[Operation]) -> int:
        state = self._state
        kind = self._take(position + 2, 1)[0]
        if kind <= 6:
            end = self._buffer.find(b"\x00", position + 3)
            if end < 0:
                raise _NeedMore
            raw, symbology, after = self._buffer[position + 3 : end], _FUNCTION_A[kind], end + 1
        else:
            length = self._take(position + 3, 1)[0]
            raw = self._take(position + 4, length)
            symbology, after = _FUNCTION_B.get(kind, f"type {kind}"), position + 4 + length
        code128 = symbology in ("CODE128", "GS1-128")
        data = decode_code128(raw) if code128 else raw.decode("latin-1")
        gs1 = symbology == "GS1-128" or (code128 and starts_with_fnc1(raw))
        self._end_line(operations, force=False)
        operations.append(
            Barcode(symbology, data, state.barcode_height, state.barcode_module, state.hri, state.align, gs1)
        )
        return after

    def _function(self, kind: int, payload: bytes, operations: list[Operation]) -> None:
        state = self._state
        if kind == ord("k") and len(payload) >= 3 and payload[0] == 0x31:  # cn 49: QR code
            function, argument = payload[1], payload[2]
            if function == 0x43:
                state.qr_module = max(1, argument)
            elif function == 0x45:
                state.qr_level = _QR_LEVELS.get(argument, "L")
            elif function == 0x50:
                state.qr_data = payload[3:]
            elif function == 0x51:
                self._end_line(operations, force=False)
                operations.append(
                    QrCode(
                        state.qr_data.decode("utf-8", "replace"), state.qr_module, state.qr_level, state.align
                    )
                )
        elif kind == ord("L") and len(payload) >= 2:
            function = payload[1]
            if function == 0x70 and len(payload) >= 10:  # store raster graphics
                scale_x, scale_y = max(1, payload[3]), max(1, payload[4])
                width, height = payload[6] + payload[7] * 256, payload[8] + payload[9] * 256
                padded = (width + 7) // 8 * 8
                state.graphics = Raster(padded, height, payload[10:], scale_x, scale_y, state.align)
            elif function in (0x32, 0x02) and state.graphics is not None:  # print stored graphics
                self._end_line(operations, force=False)
                operations.append(replace(state.graphics, align=state.align))
        else:
            operations.append(Unknown(bytes([GS, ord("("), kind]) + payload[:8]))

    def _dle(self, position: int, operations: list[Operation]) -> int:
        command = self._take(position + 1, 1)[0]
        if command == 0x04:  # DLE EOT n: real-time status
            kind = self._take(position + 2, 1)[0]
            operations.append(StatusRequest(kind))
            return position + 3
        if command == 0x14:  # DLE DC4 fn m t
            self._take(position + 2, 3)
            return position + 5
        self._take(position + 2, 1)
        return position + 3


def _columns_to_raster(data: bytes, columns: int, depth: int, mode: int, align: Align) -> Raster:
    """ESC * bit-image columns (8 or 24 dots high, MSB at the top) as raster rows."""
    height = depth * 8
    width_bytes = (columns + 7) // 8
    rows = bytearray(width_bytes * height)
    for column in range(columns):
        for part in range(depth):
            byte = data[column * depth + part]
            for bit in range(8):
                if byte & (0x80 >> bit):
                    row = part * 8 + bit
                    rows[row * width_bytes + column // 8] |= 0x80 >> (column % 8)
    single_density = mode in (0, 32)  # half the horizontal density: each dot is two wide
    return Raster(width_bytes * 8, height, bytes(rows), 2 if single_density else 1, 1, align)
