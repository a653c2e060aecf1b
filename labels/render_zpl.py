"""Layouts to ZPL II for Zebra-compatible thermal printers (203, 300 or 600 dpi).

- Code 128 (`^BC` with its code sets spelled out, as `symbols.code128_symbols` encodes them),
  GS1-128 (`^BC` with FNC1 as `>8` at the start and after
  every variable-length field, the element string from biip), QR (`^BQ`, model 2, level M),
  GS1 DataMatrix (`^BX` quality 200 with `#1` as FNC1), EAN-13 (`^BE`).
- Text in printable ASCII uses resident font 0 (`^A0`) in a field block (`^FB`) so the printer
  wraps and centres it itself.
- Any other text (Japanese, Ukrainian, accented names, ^ and ~) is drawn with the TrueType fonts
  of the PDF labels into a 1-bit bitmap and sent as a graphic field (`^GFA`, hex). This works on
  every ZPL printer, with no font download, at the cost of bigger jobs.
  The other way, not used here: download or enable a Unicode TrueType font on the printer
  (e.g. Zebra's `E:TT0003M_.TTF` "Swiss Unicode" or an Andale/Noto font stored with `~DY`), map
  it with `^CW` to a letter and print with `^A@`/that letter under `^CI28`; smaller jobs, but only
  on printers that hold that font, and Japanese needs the Asian font kit installed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from PIL import Image as PILImage

from labels import bitmap, symbols
from labels.gs1 import GS, element_string
from labels.layout import LINEAR, Barcode, Box, Element, Layout, Line, Text

# Field data that needs no escaping: printable ASCII without the ZPL prefixes ^ and ~ and without
# the backslash some firmware treats as an escape under ^CI28.
_PLAIN = re.compile(r"^[\x20-\x5b\x5d\x5f-\x7d]*$")
DPIS = (152, 203, 300, 600)


class _Dots:
    def __init__(self, dpi: int) -> None:
        self.scale = dpi / 72.0

    def __call__(self, points: float) -> int:
        return round(points * self.scale)


def _module_dots(module: float, dots: _Dots, most: int) -> int:
    # Round down (with a little tolerance): a symbol may come out narrower than the layout
    # planned, never wider than the label.
    return max(1, min(most, math.floor(module * dots.scale + 0.15)))


def graphic_field(image: PILImage.Image) -> tuple[str, int, int]:
    """A 1-bit image as ^GFA hex data: (data, total bytes, bytes per row); 1 bits are black."""
    mono = image.convert("1")
    row_bytes = (mono.width + 7) // 8
    padded = PILImage.new("1", (row_bytes * 8, mono.height), 1)
    padded.paste(mono, (0, 0))
    raw = bytes(b ^ 0xFF for b in padded.tobytes())  # Pillow packs white as 1; ZPL wants black
    return raw.hex().upper(), len(raw), row_bytes


def _gfa(x: int, y: int, image: PILImage.Image) -> str:
    data, total, row = graphic_field(image)
    return f"^FO{x},{y}^GFA,{total},{total},{row},{data}^FS"


def _text(t: Text, dots: _Dots, dpi: int) -> list[str]:
    fitted = bitmap.fit_px(t.text, t.size, t.max_width, t.max_lines, t.language, t.bold, dpi)
    x, y = dots(t.x), dots(t.y)
    height = max(10, dots(fitted.size))
    if all(_PLAIN.match(line) for line in fitted.lines):
        width = dots(t.max_width) if t.max_width is not None else None
        just = "C" if t.align == "center" else "L"
        block = f"^FB{width},{len(fitted.lines)},{round(height * 0.2)},{just},0" if width else ""
        body = r"\&".join(fitted.lines)  # \& is a line break inside ^FB
        return [f"^FO{x},{y}^A0N,{height},{height}{block}^FD{body}^FS"]
    image = bitmap.text_bitmap(fitted.lines, height, t.language, t.bold)
    if t.align == "center" and t.max_width is not None:
        x += max(0, (dots(t.max_width) - image.width) // 2)
    return [_gfa(x, y, image)]


def _code128_data(data: str) -> str:
    return data.replace(">", "><")  # '>' starts an invocation code in ^BC data


# ZPL II ^BC invocation codes (manual subset mode): start in a code set, switch to one.
_ZPL_START = {103: ">9", 104: ">:", 105: ">;"}
_ZPL_SWITCH = {"A": {99: ">5", 100: ">6"}, "B": {99: ">5", 101: ">7"}, "C": {100: ">6", 101: ">7"}}
_SWITCHED_TO = {">5": "C", ">6": "B", ">7": "A", ">9": "A", ">:": "B", ">;": "C"}


def _code128_subsets(data: str) -> str:
    """^BC field data that spells out the code sets of `symbols.code128_symbols(data)`, so the
    printer draws the very symbol the layout measured (the printer adds the check symbol)."""
    out: list[str] = []
    start, *values, _check = symbols.code128_symbols(data)
    code = _SWITCHED_TO[_ZPL_START[start]]
    out.append(_ZPL_START[start])
    for value in values:
        switch = _ZPL_SWITCH[code].get(value)
        if switch is not None:
            out.append(switch)
            code = _SWITCHED_TO[switch]
        elif code == "C":
            out.append(f"{value:02d}")
        elif code == "A" and value >= 64:
            out.append(chr(value - 64))  # control characters (never on Kaeru's labels)
        else:
            out.append(_code128_data(chr(value + 32)))
    return "".join(out)


def _barcode(b: Barcode, dots: _Dots) -> list[str]:
    x, y = dots(b.x), dots(b.y)
    out: list[str] = []
    if b.symbology in LINEAR:
        module = _module_dots(b.module, dots, 10)
        height = max(10, dots(b.height))
        out.append(f"^BY{module}")
        if b.symbology == "code128":
            # code sets spelled out (mode N, no automatic mode): the width the layout planned for
            out.append(f"^FO{x},{y}^BCN,{height},N,N,N,N^FD{_code128_subsets(b.data)}^FS")
        elif b.symbology == "gs1-128":
            payload = ">;>8" + _code128_data(element_string(b.data)).replace(GS, ">8")
            out.append(f"^FO{x},{y}^BCN,{height},N,N,N,A^FD{payload}^FS")
        else:
            out.append(f"^FO{x},{y}^BEN,{height},N,N^FD{b.data[:12]}^FS")
        if b.human_readable:
            width = symbols.modules(b.symbology, b.data).shape[1] * module
            size = max(10, dots(symbols.human_readable_size(b)))
            gap = dots(symbols.HUMAN_READABLE_GAP)
            out.append(
                f"^FO{x},{y + height + gap}^A0N,{size},{size}^FB{width},1,0,C,0^FD{b.human_readable}^FS"
            )
    elif b.symbology == "qr":
        magnification = _module_dots(b.module, dots, 10)
        out.append(f"^FO{x},{y}^BQN,2,{magnification}^FDMA,{b.data}^FS")
    else:
        module = _module_dots(b.module, dots, 50)
        payload = "#1" + element_string(b.data).replace(GS, "#1")
        out.append(f"^FO{x},{y}^BXN,{module},200,,,,#^FD{payload}^FS")
    return out


def _element(e: Element, dots: _Dots, dpi: int) -> list[str]:
    if isinstance(e, Text):
        return _text(e, dots, dpi)
    if isinstance(e, Barcode):
        return _barcode(e, dots)
    if isinstance(e, Box):
        w, h = max(1, dots(e.width)), max(1, dots(e.height))
        t = min(w, h) if e.filled else max(1, dots(e.thickness))
        return [f"^FO{dots(e.x)},{dots(e.y)}^GB{w},{h},{t},B^FS"]
    if isinstance(e, Line):
        t = max(1, dots(e.thickness))
        x1, y1, x2, y2 = dots(e.x1), dots(e.y1), dots(e.x2), dots(e.y2)
        if y1 == y2:
            return [f"^FO{min(x1, x2)},{y1 - t // 2}^GB{max(t, abs(x2 - x1))},{t},{t},B^FS"]
        if x1 == x2:
            return [f"^FO{x1 - t // 2},{min(y1, y2)}^GB{t},{max(t, abs(y2 - y1))},{t},B^FS"]
        slant = "L" if (x2 - x1) * (y2 - y1) > 0 else "R"
        return [f"^FO{min(x1, x2)},{min(y1, y2)}^GD{abs(x2 - x1)},{abs(y2 - y1)},{t},B,{slant}^FS"]
    picture = bitmap.picture_bitmap(e.data, dots(e.width), dots(e.height))
    return [_gfa(dots(e.x), dots(e.y), picture)]


def render_zpl(pages: Layout | Sequence[Layout], dpi: int = 203, copies: int = 1) -> bytes:
    """One ^XA...^XZ format per layout, UTF-8 (^CI28), sized for a printer of `dpi`."""
    if dpi not in DPIS:
        raise ValueError(f"ZPL printers come in {', '.join(map(str, DPIS))} dpi, got {dpi}")
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    seq = [pages] if isinstance(pages, Layout) else list(pages)
    if not seq:
        raise ValueError("nothing to render: no layouts")
    dots = _Dots(dpi)
    out: list[str] = []
    for layout in seq:
        out.append(f"^XA^CI28^PW{dots(layout.size.width)}^LL{dots(layout.size.height)}^LH0,0^PON")
        for element in layout.elements:
            out.extend(_element(element, dots, dpi))
        # ^PQ only when asked: one copy is the printer default (and zplkit cannot preview ^PQ).
        out.append((f"^PQ{copies}" if copies > 1 else "") + "^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")
