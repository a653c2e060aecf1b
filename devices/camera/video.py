"""Decoding camera frames at video rate: cheap passes every frame, the slow ones only when needed.

zxing-cpp's default search (inverted symbols, 90-degree turns, several downscales) over a whole
720p frame costs a few hundred ms on a station PC; at 15 frames/s there are 66 ms per frame. So
`VideoDecoder` decodes in tiers, stopping at the first that finds a symbol:

1. region of interest: where a symbol was found lately, a margin around it at full resolution
   (a code held in view moves little from frame to frame) — a few ms;
2. the whole frame downscaled to `fast_width` pixels wide, upright and dark-on-light only — a few
   ms, and enough for codes of ordinary size;
3. the slow pass: zxing-cpp's full search on the whole frame at full resolution, once nothing has
   been found for `slow_after_s`, and then at most every `slow_every_s` — so a small, inverted or
   sideways code is still found within a fraction of a second, but an empty view costs little;
4. pyzbar, only when configured (`fallback="pyzbar"`), after a slow pass found nothing: zbar
   reads some damaged 1D codes zxing-cpp does not, and misreads more often, so it is opt-in.

The decoder is a plain object over frames and a clock the caller gives; it keeps the region and
the timing between frames, so one decoder serves one camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np
import zxingcpp

from devices.camera.decoders import Decoded, PyzbarDecoder

FAST: dict[str, Any] = {"try_rotate": False, "try_invert": False, "try_downscale": False}
THOROUGH_ROI: dict[str, Any] = {"try_rotate": True, "try_invert": True, "try_downscale": False}
Tier = Literal["roi", "fast", "slow", "pyzbar"]


@dataclass(frozen=True)
class VideoSettings:
    fast_width: int = 640  # the downscaled frame's width for the fast pass
    slow_after_s: float = 0.2  # nothing found this long: start the slow pass
    slow_every_s: float = 0.5  # and run it at most this often
    roi_keep_s: float = 1.0  # look where a code was for this long after it was last found
    fallback: Literal["none", "pyzbar"] = "none"
    thorough: bool = True  # False: the slow pass skips the inverted and 90-degree searches

    @classmethod
    def from_query(cls, query: dict[str, str]) -> VideoSettings:
        """From `camera://` URL options: fast_width, slow_after_ms, slow_every_ms, fallback, thorough."""
        fallback = query.get("fallback", "none")
        if fallback not in ("none", "pyzbar"):
            raise ValueError(f"fallback must be none or pyzbar, not {fallback!r}")
        return cls(
            fast_width=int(query.get("fast_width", cls.fast_width)),
            slow_after_s=int(query.get("slow_after_ms", cls.slow_after_s * 1000)) / 1000,
            slow_every_s=int(query.get("slow_every_ms", cls.slow_every_s * 1000)) / 1000,
            fallback=fallback,  # type: ignore[arg-type]
            thorough=query.get("thorough", "1") not in {"0", "false", "no"},
        )


def _texts(found: list[Any]) -> list[Decoded]:
    return [Decoded(b.symbology_identifier + b.text, "zxing-cpp") for b in found if b.valid]


def _box(found: list[Any], scale: float, dx: int, dy: int) -> tuple[int, int, int, int]:
    xs = [
        p.x
        for b in found
        for p in (b.position.top_left, b.position.top_right, b.position.bottom_left, b.position.bottom_right)
    ]
    ys = [
        p.y
        for b in found
        for p in (b.position.top_left, b.position.top_right, b.position.bottom_left, b.position.bottom_right)
    ]
    return (
        int(min(xs) * scale) + dx,
        int(min(ys) * scale) + dy,
        int(max(xs) * scale) + dx,
        int(max(ys) * scale) + dy,
    )


class VideoDecoder:
    """Decodes a camera's frames in tiers (see the module docstring); `last_tier` says which found."""

    def __init__(self, settings: VideoSettings | None = None) -> None:
        self.settings = settings or VideoSettings()
        self._pyzbar = PyzbarDecoder() if self.settings.fallback == "pyzbar" else None
        self._roi: tuple[int, int, int, int] | None = None
        self._roi_seen = 0.0
        self._roi_options = FAST
        self._last_found: float | None = None
        self._last_slow = float("-inf")
        self._started: float | None = None
        self.last_tier: Tier | None = None

    def decode(self, gray: np.ndarray, now: float) -> list[Decoded]:
        """The symbols in one grayscale frame taken at `now` (seconds)."""
        if self._started is None:
            self._started = now
        self.last_tier = None
        found = self._in_roi(gray, now)
        if not found:
            found = self._fast(gray, now)
        if not found and self._slow_due(now):
            self._last_slow = now
            options: dict[str, Any] = (
                {} if self.settings.thorough else {"try_rotate": False, "try_invert": False}
            )
            raw = zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain, **options)
            found = self._keep(raw, 1.0, 0, 0, now, "slow")
            if not found and self._pyzbar is not None:
                found = self._pyzbar.decode(gray)
                self.last_tier = "pyzbar" if found else None
        if found:
            self._last_found = now
        return found

    def _in_roi(self, gray: np.ndarray, now: float) -> list[Decoded]:
        if self._roi is None or now - self._roi_seen > self.settings.roi_keep_s:
            self._roi = None
            return []
        x0, y0, x1, y1 = self._roi
        mx, my = max(32, (x1 - x0) // 2), max(32, (y1 - y0) // 2)
        h, w = gray.shape[:2]
        x0, y0, x1, y1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        raw = zxingcpp.read_barcodes(
            gray[y0:y1, x0:x1], text_mode=zxingcpp.TextMode.Plain, **self._roi_options
        )
        return self._keep(raw, 1.0, x0, y0, now, "roi")

    def _fast(self, gray: np.ndarray, now: float) -> list[Decoded]:
        h, w = gray.shape[:2]
        scale = 1.0
        small = gray
        if w > self.settings.fast_width:
            scale = w / self.settings.fast_width
            small = cv2.resize(
                gray, (self.settings.fast_width, round(h / scale)), interpolation=cv2.INTER_AREA
            )
        raw = zxingcpp.read_barcodes(small, text_mode=zxingcpp.TextMode.Plain, **FAST)
        return self._keep(raw, scale, 0, 0, now, "fast")

    def _keep(self, raw: list[Any], scale: float, dx: int, dy: int, now: float, tier: Tier) -> list[Decoded]:
        found = [b for b in raw if b.valid]
        if not found:
            return []
        self._roi = _box(found, scale, dx, dy)
        self._roi_seen = now
        if tier != "roi":
            # a code only the full search found (inverted, sideways) is searched for that way in its region
            self._roi_options = FAST if tier == "fast" else THOROUGH_ROI
        self.last_tier = tier
        return _texts(found)

    def _slow_due(self, now: float) -> bool:
        since = self._last_found if self._last_found is not None else self._started
        since_found = now - (now if since is None else since)
        return (
            since_found >= self.settings.slow_after_s and now - self._last_slow >= self.settings.slow_every_s
        )
