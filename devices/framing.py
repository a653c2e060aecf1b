"""How scans are framed on a byte stream: `[prefix][AIM id][data][suffix][terminator]`.

Pure functions over bytes, shared by the serial driver (decoding) and the scanner simulator
(encoding). No library frames barcode-scanner output, so this is written by hand; the meaning of
each scan is left to `devices.scan.parse_scan` (biip underneath).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from devices.scan import GS, Scan, parse_scan

Terminator = Literal["cr", "lf", "crlf", "any"]
TERMINATORS: dict[str, bytes] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}
_ANY_LINE_END = re.compile(rb"\r\n|\r|\n")
_AIM_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")

# Longest frame kept while waiting for its terminator; a scanner never sends more in one scan
# (a full GS1 DataMatrix holds ~2,300 characters), so more means a lost terminator.
DEFAULT_MAX_FRAME = 4096


@dataclass(frozen=True)
class Framing:
    """How one scanner is configured to frame its output."""

    terminator: Terminator = "crlf"  # "any": CR, LF or CRLF, for scanners whose setting is unknown
    prefix: bytes = b""
    suffix: bytes = b""
    aim: bool = True  # the scanner sends an AIM symbology id before the data
    gs_substitute: str | None = None  # what the scanner sends instead of GS (0x1D) inside GS1 data
    max_frame: int = DEFAULT_MAX_FRAME

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> Framing:
        """Read a framing from URL query options (`terminator`, `prefix`, `suffix`, `aim`, `gs`).

        Values hold one byte per character (as `devices.serial_port.split_device_url` decodes them),
        so `prefix=%02` in a URL is STX.
        """
        terminator = options.get("terminator", "crlf").lower()
        if terminator not in ("cr", "lf", "crlf", "any"):
            raise ValueError(f"terminator must be cr, lf, crlf or any, not {terminator!r}")
        gs = options.get("gs")
        return cls(
            terminator=terminator,  # type: ignore[arg-type]
            prefix=options.get("prefix", "").encode("latin-1"),
            suffix=options.get("suffix", "").encode("latin-1"),
            aim=options.get("aim", "1").lower() in ("1", "true", "yes", "on"),
            gs_substitute=gs.encode("latin-1").decode("utf-8") if gs else None,
            max_frame=int(options.get("max_frame", DEFAULT_MAX_FRAME)),
        )


@dataclass(frozen=True)
class Frame:
    """The bytes of one scan as cut from the stream; `problem` says why it is not a whole scan."""

    data: bytes
    problem: str | None = None


def split_frames(buffer: bytes, framing: Framing) -> tuple[list[Frame], bytes]:
    """Cut every complete frame off the front of `buffer`.

    Returns the frames (terminator removed) and the rest, a partial line to keep until its
    terminator arrives. A rest longer than `max_frame` is given up as an "overlong" frame so a
    lost terminator cannot grow the buffer forever.
    """
    frames: list[Frame] = []
    if framing.terminator == "any":
        start = 0
        for m in _ANY_LINE_END.finditer(buffer):
            # CRLF cut between two reads arrives as CR, then LF: the empty line between is no scan.
            if m.start() > start:
                frames.append(Frame(buffer[start : m.start()]))
            start = m.end()
        rest = buffer[start:]
    else:
        end = TERMINATORS[framing.terminator]
        *complete, rest = buffer.split(end)
        frames.extend(Frame(chunk) for chunk in complete)
    if len(rest) > framing.max_frame:
        frames.append(Frame(rest, problem=f"no terminator after {len(rest)} bytes"))
        rest = b""
    return frames, rest


def scan_from_frame(frame: Frame, framing: Framing, *, device: str = "", at: datetime | None = None) -> Scan:
    """Turn one frame into a `Scan`. Never raises: what cannot be read is an "unknown" scan whose
    `raw` keeps the bytes (invalid UTF-8 as `\\xNN` escapes) and whose `error` says why."""
    data = frame.data
    problem = frame.problem
    if framing.prefix:
        if data.startswith(framing.prefix):
            data = data[len(framing.prefix) :]
        else:
            problem = problem or "frame does not start with the configured prefix"
    if framing.suffix:
        if data.endswith(framing.suffix):
            data = data[: -len(framing.suffix)]
        else:
            problem = problem or "frame does not end with the configured suffix"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="backslashreplace")
        problem = problem or f"invalid UTF-8 at byte {exc.start}"
    scan = parse_scan(text, device=device, at=at, gs_substitute=framing.gs_substitute, aim=framing.aim)
    if problem is None:
        return scan
    return Scan(
        raw=scan.raw, kind="unknown", symbology=scan.symbology, device=device, at=scan.at, error=problem
    )


def partial_scan(
    rest: bytes, framing: Framing, reason: str, *, device: str = "", at: datetime | None = None
) -> Scan:
    """The record of a partial line that will never be completed (the device went away)."""
    return scan_from_frame(Frame(rest, problem=reason), framing, device=device, at=at)


def encode_scan(text: str, framing: Framing) -> bytes:
    """The bytes a scanner configured with `framing` sends for `text` (AIM id included or not).

    GS inside the data is replaced by the configured substitute; without AIM ids the scanner
    leaves the id out.
    """
    if not framing.aim:
        text = _AIM_ID.sub("", text, count=1)
    if framing.gs_substitute:
        text = text.replace(GS, framing.gs_substitute)
    end = b"\r\n" if framing.terminator == "any" else TERMINATORS[framing.terminator]
    return framing.prefix + text.encode("utf-8") + framing.suffix + end


LineEnd = Literal["cr", "lf", "crlf"]
# How long a line that ends in another terminator than the configured one sits unanswered before
# it is taken for a whole scan: a scanner sends one scan's bytes within a few milliseconds.
MISMATCH_IDLE_S = 0.2


@dataclass(frozen=True)
class TerminatorMismatch:
    """The scanner ends its scans with another terminator than the port is configured for."""

    configured: Terminator
    sent: LineEnd

    @property
    def advice(self) -> str:
        return (
            f"the scanner ends its scans with {self.sent.upper()} but this port expects "
            f"{self.configured.upper()}: set terminator={self.sent} (or terminator=any) in its URL"
        )


_LINE_ENDS: dict[bytes, LineEnd] = {b"\r\n": "crlf", b"\r": "cr", b"\n": "lf"}


def _line_end(data: bytes) -> LineEnd | None:
    if data.endswith(b"\r\n"):
        return "crlf"
    if data.endswith(b"\r"):
        return "cr"
    if data.endswith(b"\n"):
        return "lf"
    return None


class LineCutter:
    """`split_frames` with memory of the stream: it notices a scanner whose terminator is not the
    configured one, says so once (`TerminatorMismatch`), and from then on cuts at any line end so
    the scans keep coming instead of piling up into one overlong frame.

    Evidence is taken only where a scan's data cannot explain it: a frame that starts with LF right
    after a CR cut or ends with CR before an LF cut (the scanner sends CRLF), or a line that ends in
    a foreign line end and then nothing more arrives (see `idle`), or an overlong rest full of them.
    """

    def __init__(self, framing: Framing) -> None:
        self.framing = framing
        self.rest = b""
        self.mismatch: TerminatorMismatch | None = None
        self._cut = framing

    @property
    def waiting(self) -> bool:
        """A foreign line end sits at the end of the rest: call `idle` if nothing follows soon."""
        return self.mismatch is None and self._foreign_end() is not None

    def feed(self, chunk: bytes) -> tuple[list[Frame], TerminatorMismatch | None]:
        """Frames completed by `chunk`, and the mismatch if this chunk revealed it."""
        buffer = self.rest + chunk
        frames, self.rest = split_frames(buffer, replace(self._cut, max_frame=len(buffer)))
        if self.mismatch is None:
            configured = self.framing.terminator
            if (
                configured == "cr" and any(f.data.startswith(b"\n") for f in [*frames, Frame(self.rest)])
            ) or (configured == "lf" and any(f.data.endswith(b"\r") for f in frames)):
                return self._adopt(buffer, "crlf")
            if len(self.rest) > self.framing.max_frame and configured != "any":
                inside = _ANY_LINE_END.search(self.rest)  # the configured end would have cut here
                if inside is not None:
                    return self._adopt(buffer, _LINE_ENDS[inside.group()])
        if len(self.rest) > self.framing.max_frame:
            frames.append(Frame(self.rest, problem=f"no terminator after {len(self.rest)} bytes"))
            self.rest = b""
        return frames, None

    def idle(self) -> tuple[list[Frame], TerminatorMismatch | None]:
        """Nothing arrived for `MISMATCH_IDLE_S`: a rest ending in a foreign line end was a whole scan."""
        sent = self._foreign_end() if self.mismatch is None else None
        if sent is None:
            return [], None
        return self._adopt(self.rest, sent)

    def _foreign_end(self) -> LineEnd | None:
        sent = _line_end(self.rest)
        if sent is None or self.framing.terminator == "any" or sent == self.framing.terminator:
            return None
        return sent

    def _adopt(self, buffer: bytes, sent: LineEnd) -> tuple[list[Frame], TerminatorMismatch]:
        self.mismatch = TerminatorMismatch(self.framing.terminator, sent)
        self._cut = replace(self.framing, terminator="any")
        frames, self.rest = split_frames(buffer, self._cut)
        return frames, self.mismatch
