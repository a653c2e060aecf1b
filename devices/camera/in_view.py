"""Which codes are new in the camera's view. A code held in front of the camera is decoded in
frame after frame; it is one scan. It becomes new again only after it has been out of view for
`leave_after_s` — long enough that a few blurred frames in which it was not decoded do not count.
Pure: the caller gives the clock.
"""

from __future__ import annotations

from collections.abc import Iterable


class CodesInView:
    def __init__(self, *, leave_after_s: float = 1.0) -> None:
        if leave_after_s <= 0:
            raise ValueError("leave_after_s must be positive")
        self.leave_after_s = leave_after_s
        self._last_seen: dict[str, float] = {}

    def see(self, codes: Iterable[str], now: float) -> list[str]:
        """Record the codes decoded in one frame; return those that just came into view, in order."""
        new: list[str] = []
        last_seen = self._last_seen
        for code in codes:
            before = last_seen.get(code)
            if (before is None or now - before > self.leave_after_s) and code not in new:
                new.append(code)
            last_seen[code] = now
        if len(last_seen) > 256:  # forget codes long gone so memory stays small
            limit = now - self.leave_after_s
            self._last_seen = {c: t for c, t in last_seen.items() if t >= limit}
        return new

    def in_view(self, now: float) -> set[str]:
        return {c for c, t in self._last_seen.items() if now - t <= self.leave_after_s}
