"""Fitting a text into a width: shrink the font a little, then wrap, then cut with an ellipsis.

Written here because the text mixes scripts and fonts per character (see labels.fonts) and
Japanese breaks between characters rather than at spaces, which reportlab's simpleSplit and
textwrap do not handle together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, float], float]  # (text, size) -> width

# Characters that must not begin a line in Japanese (a small kinsoku set).
_NO_LINE_START = set("、。，．・：；？！ー）」』】〉》’”")
_ELLIPSIS = "…"


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF


def break_units(text: str) -> list[str]:
    """Pieces a line may break after: words with their trailing space, or single CJK characters."""
    units: list[str] = []
    current = ""
    for ch in text:
        if _is_cjk(ch) and ch not in _NO_LINE_START:
            if current:
                units.append(current)
            current = ch
        elif ch in _NO_LINE_START:
            current += ch
        elif ch == " ":
            current += ch
            units.append(current)
            current = ""
        else:
            if current and (_is_cjk(current[-1]) or current[-1] in _NO_LINE_START):
                units.append(current)
                current = ""
            current += ch
    if current:
        units.append(current)
    return units


def wrap(text: str, width: float, size: float, measure: Measure) -> list[str]:
    """Greedy wrap at break units; a unit wider than the line is split by characters."""
    lines: list[str] = []
    line = ""
    for unit in break_units(text):
        if measure((line + unit).rstrip(), size) <= width:
            line += unit
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        while measure(unit.rstrip(), size) > width and len(unit) > 1:
            cut = len(unit) - 1
            while cut > 1 and measure(unit[:cut], size) > width:
                cut -= 1
            lines.append(unit[:cut])
            unit = unit[cut:]
        line = unit
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]


def fit(
    text: str,
    size: float,
    max_width: float | None,
    max_lines: int,
    measure: Measure,
    min_scale: float = 0.6,
) -> Fitted:
    """The font size and lines that show `text` within `max_width` on at most `max_lines` lines."""
    if max_width is None:
        return Fitted(size, (text,))
    smallest = size * min_scale
    trial = size
    while True:
        lines = wrap(text, max_width, trial, measure)
        if len(lines) <= max_lines:
            return Fitted(trial, tuple(lines))
        if trial <= smallest:
            break
        trial = max(smallest, trial * 0.9)
    kept = lines[:max_lines]
    last = kept[-1]
    while last and measure(last + _ELLIPSIS, trial) > max_width:
        last = last[:-1]
    kept[-1] = last.rstrip() + _ELLIPSIS
    return Fitted(trial, tuple(kept))
