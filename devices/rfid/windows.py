"""Read windows: raw reader reads folded into one `TagRead` per tag per window, with presence.

A UHF reader reports the same tag over and over (Gen2 session S0 re-reads it at every frequency
hop; a fixed reader reaches ~1,500 reads/s). The station wants to know once that a tag arrived,
that it is still here, and when it has gone. `ReadWindows` is a pure state machine over plain
values — the caller gives it the clock — so it is tested without a reader and fast enough to sit
on the read path: a dict lookup and a few attribute writes per raw read.

- arrived: the first read of a tag that was not present — reported at once (no waiting for the
  window to close), and that report counts as the tag's report for that window;
- present: once at the close of every later window in which the tag was read, with the window's
  read count, peak RSSI (and its antenna) and first/last seen;
- gone: the tag has left, as far as its Gen2 session lets the reader know; a later read makes it
  arrive again.

When a tag has gone depends on the session the reader inventories in (`session`):
- S0 (and S1): a tag in the field is read again and again (S0 at every hop; S1 as soon as its flag
  decays, within 0.5-5 s), so one not read for `gone_after_s` has left (defaults 3 s and 6 s);
- S2/S3: a powered tag answers once and then keeps quiet while the reader's field powers it, so
  silence says nothing. The tag stays present until a refresh (`refresh`: the reader's inventory
  started afresh, e.g. after its field was off longer than the tags' flags persist, so every tag
  still there answers again) finds it missing, or until an absence the site configures
  (`gone_after_s`; none by default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from devices.epc import EpcMeaning, decode_epc
from devices.rfid.tags import Presence, TagRead

_NOTHING: tuple[TagRead, ...] = ()
# Gen2 session -> seconds without a read after which a tag counts as gone (None: silence is no sign).
GONE_AFTER_S: dict[int, float | None] = {0: 3.0, 1: 6.0, 2: None, 3: None}
_DECODE_CACHE_LIMIT = 100_000


class _Tag:
    """What the windows know about one present tag (mutable, private)."""

    __slots__ = (
        "antenna",
        "count",
        "epc",
        "first",
        "last",
        "last_local",
        "meaning",
        "peak",
        "reported",
        "seen",
    )

    def __init__(self, epc: str, meaning: EpcMeaning) -> None:
        self.epc = epc
        self.meaning = meaning
        self.seen = False  # read in the current window
        self.reported = False  # already reported in the current window (its arrival)
        self.count = 0
        self.peak: float | None = None
        self.antenna: int | None = None
        self.first = 0.0
        self.last = 0.0
        self.last_local = 0.0  # caller's clock at the last read: drives "gone"


class ReadWindows:
    """De-duplicates raw reads per EPC per window. Times are seconds (e.g. `time.time()`)."""

    def __init__(
        self,
        *,
        device: str,
        window_s: float = 1.0,
        session: int = 0,
        gone_after_s: float | Literal["session"] | None = "session",
        report_present: bool = True,
        decode: Callable[[str], EpcMeaning] = decode_epc,
    ) -> None:
        if session not in GONE_AFTER_S:
            raise ValueError(f"session must be 0..3, got {session}")
        gone = GONE_AFTER_S[session] if gone_after_s == "session" else gone_after_s
        if window_s <= 0 or (gone is not None and gone <= 0):
            raise ValueError("window_s and gone_after_s must be positive")
        self.device = device
        self.window_s = window_s
        self.session = session
        self.gone_after_s: float | None = gone
        self.report_present = report_present
        self._decode = decode
        self._meanings: dict[str, EpcMeaning] = {}
        self._tags: dict[str, _Tag] = {}
        self._in_window: list[_Tag] = []
        self._window_end: float | None = None
        self._gone_scan_every = min(window_s, gone or window_s) / 4
        self._next_gone_scan = 0.0
        self._refreshed_at: float | None = None  # a refresh waiting for its answers
        self._refresh_due = 0.0

    @property
    def present(self) -> frozenset[str]:
        """EPCs currently considered present."""
        return frozenset(self._tags)

    def observe(
        self,
        epc: str,
        now: float,
        *,
        antenna: int | None = None,
        rssi: float | None = None,
        count: int = 1,
        first_seen: float | None = None,
        last_seen: float | None = None,
    ) -> Sequence[TagRead]:
        """Fold one raw read (or a reader's pre-counted report of `count` reads) into the windows."""
        out: Sequence[TagRead] = _NOTHING
        if self._window_end is None:
            self._window_end = now + self.window_s
        elif now >= self._window_end:
            out = self.advance(now)
        tag = self._tags.get(epc)
        first = now if first_seen is None else first_seen
        last = now if last_seen is None else last_seen
        if tag is None:
            tag = _Tag(epc, self._meaning(epc))
            self._tags[epc] = tag
            self._start_window(tag, antenna, rssi, count, first, last)
            tag.reported = True
            tag.last_local = now
            arrival = self._read(tag, "arrived")
            return (*out, arrival) if out else (arrival,)
        if not tag.seen:
            self._start_window(tag, antenna, rssi, count, first, last)
        else:
            tag.count += count
            if rssi is not None and (tag.peak is None or rssi > tag.peak):
                tag.peak = rssi
                tag.antenna = antenna
            if first < tag.first:
                tag.first = first
            if last > tag.last:
                tag.last = last
        tag.last_local = now
        return out

    def advance(self, now: float) -> Sequence[TagRead]:
        """Close every window that ended by `now` and report tags that have gone."""
        if self._window_end is None:
            self._window_end = now + self.window_s
            return _NOTHING
        out: list[TagRead] = []
        if now >= self._window_end:
            self._close_window(out)
            # windows that passed with no call were empty: skip them in one step
            behind = int((now - self._window_end) // self.window_s) + 1
            self._window_end += behind * self.window_s
        since = self._refreshed_at
        if since is not None and now >= self._refresh_due:
            self._drop(lambda tag: tag.last_local < since, out)
            self._refreshed_at = None
        if self.gone_after_s is not None and now >= self._next_gone_scan:
            self._next_gone_scan = now + self._gone_scan_every
            limit = now - self.gone_after_s
            self._drop(lambda tag: tag.last_local <= limit, out)
        return out

    def refresh(self, now: float, *, answer_within_s: float | None = None) -> None:
        """The reader's inventory starts afresh at `now`: every tag still in the field answers again
        (S2/S3 flags reset). Tags not read by `answer_within_s` later (default one window) are gone."""
        self._refreshed_at = now
        self._refresh_due = now + (self.window_s if answer_within_s is None else answer_within_s)

    def _drop(self, has_gone: Callable[[_Tag], bool], out: list[TagRead]) -> None:
        for tag in [tag for tag in self._tags.values() if has_gone(tag)]:
            del self._tags[tag.epc]
            out.append(self._read(tag, "gone"))

    def _start_window(
        self, tag: _Tag, antenna: int | None, rssi: float | None, count: int, first: float, last: float
    ) -> None:
        tag.seen = True
        tag.count = count
        tag.peak = rssi
        tag.antenna = antenna
        tag.first = first
        tag.last = last
        self._in_window.append(tag)

    def _close_window(self, out: list[TagRead]) -> None:
        for tag in self._in_window:
            if self.report_present and not tag.reported and self._tags.get(tag.epc) is tag:
                out.append(self._read(tag, "present"))
            tag.seen = False
            tag.reported = False
        self._in_window = []

    def _read(self, tag: _Tag, presence: Presence) -> TagRead:
        return TagRead(
            epc=tag.epc,
            meaning=tag.meaning,
            antenna=tag.antenna,
            peak_rssi=tag.peak,
            seen_count=tag.count,
            first_seen=datetime.fromtimestamp(tag.first, UTC),
            last_seen=datetime.fromtimestamp(tag.last, UTC),
            device=self.device,
            presence=presence,
        )

    def _meaning(self, epc: str) -> EpcMeaning:
        meaning = self._meanings.get(epc)
        if meaning is None:
            if len(self._meanings) >= _DECODE_CACHE_LIMIT:
                self._meanings.clear()
            meaning = self._decode(epc)
            self._meanings[epc] = meaning
        return meaning
