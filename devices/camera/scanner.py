"""The `camera://` driver: frames from a camera or a recording, decoded, new codes emitted as Scans.

    camera://0?width=1280&height=720          a capture device
    camera:///srv/recordings/pack-3.avi?fps=15  a video file (or a directory of frames, or one image)

Frames are read and decoded in a worker thread (OpenCV and the decoders block) by a
`VideoDecoder` (devices.camera.video): a region around the last code and a downscaled frame every
frame, zxing-cpp's full search only when those find nothing for a while, pyzbar only with
`fallback=pyzbar`. Options: fast_width (640), slow_after_ms (200), slow_every_ms (500),
`thorough=0` (the full search skips inverted and 90°-rotated symbols). zxing-cpp supplies the AIM
symbology id. A code held in view is one scan (see `CodesInView`; `leave_ms` sets how long it must
be gone to count again, default 1000).
A recording is judged on its own timeline (frame number / fps) and played at `speed` (1 = real
time, 0 = as fast as it decodes). A camera that stops delivering frames raises DeviceDisconnected.
A file source that has played to its end (without `loop=1`) leaves the driver idle until it is
cancelled; `finished` is then set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import numpy as np

from devices.camera.decoders import Decoded, Decoder, decode_frame, to_gray
from devices.camera.in_view import CodesInView
from devices.camera.sources import FrameSource, SourceUnavailable, open_source, parse_camera_url
from devices.camera.video import VideoDecoder, VideoSettings
from devices.errors import DeviceDisconnected
from devices.scan import Scan, parse_scan

log = logging.getLogger(__name__)


class CameraScanner:
    """Input driver for `camera://` URLs: emits a Scan for each code that comes into view."""

    def __init__(
        self,
        url: str,
        *,
        device_id: str,
        decoders: tuple[Decoder, ...] | None = None,
        clock: Callable[[], float] = time.monotonic,
        **options: object,
    ) -> None:
        parse_camera_url(url)  # refuse a bad URL at configuration time
        self.url = url
        self.device_id = device_id
        self._clock = clock
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        self._decoders = decoders  # given: each frame through these in turn (tests, special set-ups)
        self.video = VideoDecoder(VideoSettings.from_query(query))
        self.in_view = CodesInView(leave_after_s=int(query.get("leave_ms", "1000")) / 1000)
        self._speed = float(query.get("speed", "1"))
        self._source: FrameSource | None = None
        self.frames = 0
        self.finished = asyncio.Event()

    def _next(self, source: FrameSource, now: float) -> tuple[np.ndarray | None, list[Decoded]]:
        frame = source.read()
        if frame is None:
            return None, []
        if self._decoders is not None:
            return frame, decode_frame(frame, self._decoders)
        return frame, self.video.decode(to_gray(frame), now)

    async def run(self, emit: Callable[[Scan], Awaitable[None]]) -> None:
        try:
            source = await asyncio.to_thread(open_source, self.url)
        except SourceUnavailable as exc:
            raise DeviceDisconnected(f"camera {self.url}: {exc}") from exc
        self._source = source
        # A recording keeps its own timeline (frame number / fps) for "has the code left the view",
        # however fast it is played back; a live camera uses the clock.
        media_fps = None if source.live else (source.fps or 10.0)
        period = 1 / (media_fps * self._speed) if media_fps and self._speed > 0 else 0.0
        try:
            while True:
                started = self._clock()
                try:
                    at = (self.frames + 1) / media_fps if media_fps else self._clock()
                    frame, found = await asyncio.to_thread(self._next, source, at)
                except SourceUnavailable as exc:
                    raise DeviceDisconnected(f"camera {self.url}: {exc}") from exc
                if frame is None:
                    log.info("camera %s: %s played to its end", self.device_id, self.url)
                    self.finished.set()
                    await asyncio.Event().wait()
                self.frames += 1
                now = self.frames / media_fps if media_fps else self._clock()
                texts = [d.text for d in found]
                for text in self.in_view.see(texts, now):
                    await emit(parse_scan(text, device=self.device_id, at=datetime.now(UTC)))
                if period:
                    await asyncio.sleep(max(0.0, period - (self._clock() - started)))
        finally:
            self._source = None
            await asyncio.to_thread(source.close)

    async def close(self) -> None:
        source = self._source
        if source is not None:
            self._source = None
            await asyncio.to_thread(source.close)
