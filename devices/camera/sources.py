"""Where camera frames come from, chosen by the `camera://` URL:

- `camera://0` — a capture device by index (OpenCV / V4L2);
- `camera:///path/to/video.avi` — a video file (its own frame rate unless `fps=` is given);
- `camera:///path/to/frames/` — a directory of images, read in name order (`fps=`, default 10);
- `camera:///path/to/image.png` — one image.

Query options: `fps`, `loop=1` (start a file source over at its end), `speed` (file playback
speed: 1 = real time, 0 = as fast as frames decode), `width`/`height` (capture devices). The same
URL works for a real camera's recording and for the camera simulator's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}


class SourceUnavailable(OSError):
    """The frame source cannot be opened or has stopped delivering frames."""


class FrameSource(Protocol):
    live: bool  # a camera (frames pace themselves, failure means unplugged) rather than a file
    fps: float | None  # pace for file sources

    def read(self) -> np.ndarray | None:
        """The next frame, or None at the end of a finite source. Raises SourceUnavailable."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CameraUrl:
    device: int | None
    path: Path | None
    fps: float | None
    loop: bool
    width: int | None
    height: int | None


def parse_camera_url(url: str) -> CameraUrl:
    parts = urlsplit(url)
    if parts.scheme != "camera":
        raise ValueError(f"not a camera URL (camera://0 or camera:///path): {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    known = {"fps", "loop", "width", "height", "leave_ms", "speed", "thorough"}
    known |= {"fast_width", "slow_after_ms", "slow_every_ms", "fallback"}
    unknown = sorted(set(query) - known)
    if unknown:
        raise ValueError(
            f"unknown camera URL option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    device = int(parts.netloc) if parts.netloc.isdigit() else None
    if device is None and (parts.netloc or not parts.path):
        raise ValueError(f"a camera URL names a device index (camera://0) or an absolute path: {url!r}")
    return CameraUrl(
        device=device,
        path=None if device is not None else Path(unquote(parts.path)),
        fps=float(query["fps"]) if "fps" in query else None,
        loop=query.get("loop", "0") in {"1", "true", "yes"},
        width=int(query["width"]) if "width" in query else None,
        height=int(query["height"]) if "height" in query else None,
    )


class CaptureSource:
    """A capture device or a video file through cv2.VideoCapture."""

    def __init__(
        self,
        target: int | str,
        *,
        live: bool,
        fps: float | None,
        loop: bool,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        self.live = live
        self._target = target
        self._loop = loop
        self._capture = cv2.VideoCapture(target)
        if not self._capture.isOpened():
            raise SourceUnavailable(f"cannot open {'camera' if live else 'video'} {target}")
        if width:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        own_fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps else (None if live else (own_fps if own_fps and own_fps > 0 else 10.0))

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        if ok:
            return frame
        if self.live:
            raise SourceUnavailable(f"camera {self._target} stopped delivering frames")
        if self._loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
            return frame if ok else None
        return None

    def close(self) -> None:
        self._capture.release()


class ImageFiles:
    """Still images (a directory in name order, or one file) played as frames."""

    live = False

    def __init__(self, files: list[Path], *, fps: float | None, loop: bool) -> None:
        if not files:
            raise SourceUnavailable("no image files to play")
        self._files = files
        self._next = 0
        self._loop = loop
        self.fps: float | None = fps or 10.0

    def read(self) -> np.ndarray | None:
        if self._next >= len(self._files):
            if not self._loop:
                return None
            self._next = 0
        path = self._files[self._next]
        self._next += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise SourceUnavailable(f"cannot read image {path}")
        return frame

    def close(self) -> None:
        self._files = []


def _path(spec: CameraUrl) -> Path:
    if spec.path is None:  # the URL's parser sets it for file, directory and video sources
        raise SourceUnavailable(f"camera URL {spec!r} names no file or directory")
    return spec.path


def _device(spec: CameraUrl) -> FrameSource:
    if spec.device is None:
        raise SourceUnavailable(f"camera URL {spec!r} names no device")
    return CaptureSource(
        spec.device, live=True, fps=spec.fps, loop=False, width=spec.width, height=spec.height
    )


def _directory(spec: CameraUrl) -> FrameSource:
    files = sorted(p for p in _path(spec).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return ImageFiles(files, fps=spec.fps, loop=spec.loop)


def _image(spec: CameraUrl) -> FrameSource:
    return ImageFiles([_path(spec)], fps=spec.fps, loop=spec.loop)


def _video(spec: CameraUrl) -> FrameSource:
    return CaptureSource(str(_path(spec)), live=False, fps=spec.fps, loop=spec.loop)


# First matching kind wins.
_KINDS: list[tuple[Callable[[CameraUrl], bool], Callable[[CameraUrl], FrameSource]]] = [
    (lambda s: s.device is not None, _device),
    (lambda s: s.path is not None and s.path.is_dir(), _directory),
    (lambda s: s.path is not None and s.path.suffix.lower() in IMAGE_SUFFIXES, _image),
    (lambda s: s.path is not None and s.path.is_file(), _video),
]


def open_source(url: str) -> FrameSource:
    """Open the frame source a camera URL names. Raises SourceUnavailable or ValueError."""
    spec = parse_camera_url(url)
    if spec.path is not None and not spec.path.exists():
        raise SourceUnavailable(f"no such file or directory: {spec.path}")
    for matches, factory in _KINDS:
        if matches(spec):
            return factory(spec)
    raise SourceUnavailable(f"nothing to open at {url}")
