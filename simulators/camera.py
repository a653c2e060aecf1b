"""A camera pointed at barcodes: frames with real rendered symbols, as a handheld or fixed camera
would see them — rotated, in perspective, blurred, noisy, moving a little from frame to frame.

Symbols are encoded by zxing-cpp's writer (GS1 mode for GS1-128 / GS1 DataMatrix / GS1 QR). A
scene is a list of shots (these symbols held in view for so many frames; an empty shot is an empty
view). The frames are written as a directory of PNG files or an MJPG video, which the `camera://`
driver opens with the same URL it would use for a real recording:

    python -m simulators.camera --out /tmp/cam --code LPN-000123 --code "RMA:7f3a9c" --hold 10
    -> camera:///tmp/cam?fps=10
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import zxingcpp

SymbolKind = Literal["code128", "gs1-128", "qr", "gs1-qr", "datamatrix", "gs1-datamatrix", "ean13"]

_FORMATS: dict[str, tuple[zxingcpp.BarcodeFormat, bool]] = {
    "code128": (zxingcpp.BarcodeFormat.Code128, False),
    "gs1-128": (zxingcpp.BarcodeFormat.Code128, True),
    "qr": (zxingcpp.BarcodeFormat.QRCode, False),
    "gs1-qr": (zxingcpp.BarcodeFormat.QRCode, True),
    "datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, False),
    "gs1-datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, True),
    "ean13": (zxingcpp.BarcodeFormat.EAN13, False),
}
_LINEAR = {"code128", "gs1-128", "ean13"}


@dataclass(frozen=True)
class Symbol:
    """A barcode to show. GS1 kinds take element strings in HRI form: `(01)09506000134352(10)LOT1`."""

    content: str
    kind: SymbolKind = "code128"


@dataclass(frozen=True)
class Shot:
    """These symbols in view for `frames` frames (none: an empty view)."""

    symbols: tuple[Symbol, ...]
    frames: int


@dataclass(frozen=True)
class Conditions:
    """How hard the camera's life is; each frame draws its own values within these limits."""

    max_rotation_deg: float = 20.0
    max_perspective: float = 0.08  # corner displacement, as a share of the symbol size
    max_blur_sigma: float = 1.2
    noise_sigma: float = 6.0
    jitter_px: int = 6  # hand movement between frames
    linear_module_px: tuple[float, float] = (1.9, 2.8)  # narrowest bar, in frame pixels
    matrix_module_px: tuple[float, float] = (5.0, 8.0)  # 2D symbol cell, in frame pixels


RENDER_MODULE_PX = 4


def render_symbol(symbol: Symbol, *, module_px: int = RENDER_MODULE_PX) -> np.ndarray:
    """The symbol as an 8-bit grayscale image with its quiet zone."""
    barcode_format, gs1 = _FORMATS[symbol.kind]
    options = {"gs1": True} if gs1 else {}
    barcode = zxingcpp.create_barcode(symbol.content, barcode_format, **options)
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=module_px, add_quiet_zones=True))
    if symbol.kind in _LINEAR and image.shape[0] < image.shape[1] // 4:
        image = cv2.resize(image, (image.shape[1], image.shape[1] // 4), interpolation=cv2.INTER_NEAREST)
    return image


def _noise(shape: tuple[int, int], sigma: float) -> np.ndarray:
    out = np.empty(shape, dtype=np.float32)
    cv2.randn(out, (0.0,), (sigma,))  # type: ignore[call-overload]  # much faster than numpy's generator on full frames
    return out


_BACKGROUNDS: dict[tuple[int, int], np.ndarray] = {}


def _background(size: tuple[int, int]) -> np.ndarray:
    """Grey card with a light gradient and paper texture (one per frame size, reused)."""
    if size not in _BACKGROUNDS:
        width, height = size
        gradient = np.linspace(90, 150, width, dtype=np.float32)[None, :]
        _BACKGROUNDS[size] = cv2.GaussianBlur(_noise((height, width), 12.0), (0, 0), 3) + gradient
    return _BACKGROUNDS[size].copy()


def _place(
    canvas: np.ndarray,
    symbol_image: np.ndarray,
    centre: tuple[float, float],
    width_px: float,
    conditions: Conditions,
    rng: random.Random,
) -> None:
    h, w = symbol_image.shape
    scale = width_px / w
    sw, sh = w * scale, h * scale
    pad = 0.08 * max(sw, sh)  # the white label around the symbol
    corners = np.array(
        [
            [-sw / 2 - pad, -sh / 2 - pad],
            [sw / 2 + pad, -sh / 2 - pad],
            [sw / 2 + pad, sh / 2 + pad],
            [-sw / 2 - pad, sh / 2 + pad],
        ],
        dtype=np.float32,
    )
    wobble = conditions.max_perspective * max(sw, sh)
    corners += np.array(
        [[rng.uniform(-wobble, wobble), rng.uniform(-wobble, wobble)] for _ in range(4)], dtype=np.float32
    )
    angle = np.deg2rad(rng.uniform(-conditions.max_rotation_deg, conditions.max_rotation_deg))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    target = corners @ rotation.T + np.array(centre, dtype=np.float32)
    padded = cv2.copyMakeBorder(
        symbol_image,
        int(pad / scale),
        int(pad / scale),
        int(pad / scale),
        int(pad / scale),
        cv2.BORDER_CONSTANT,
        value=255,
    )
    ph, pw = padded.shape
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
    height, width = canvas.shape
    left, top = np.floor(target.min(axis=0)).astype(int)
    right, bottom = np.ceil(target.max(axis=0)).astype(int)
    left, top = max(left, 0), max(top, 0)
    right, bottom = min(right, width), min(bottom, height)
    if right <= left or bottom <= top:
        return
    # warp only into the symbol's bounding box: full-frame warps cost more than the rest of a frame
    matrix = cv2.getPerspectiveTransform(source, (target - np.array([left, top], dtype=np.float32)))
    box = (right - left, bottom - top)
    warped = cv2.warpPerspective(padded.astype(np.float32), matrix, box, flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(
        np.ones_like(padded, dtype=np.float32), matrix, box, flags=cv2.INTER_LINEAR, borderValue=0
    )
    roi = canvas[top:bottom, left:right]
    roi *= 1 - mask
    roi += warped * 0.92 + mask * 8  # paper is not perfectly white, ink not perfectly black


def compose_frame(
    symbols: Sequence[Symbol],
    *,
    size: tuple[int, int] = (1280, 720),
    conditions: Conditions = Conditions(),
    seed: int = 0,
    rendered: dict[Symbol, np.ndarray] | None = None,
) -> np.ndarray:
    """One BGR frame showing `symbols` side by side, under the given conditions."""
    rng = random.Random(seed)
    cv2.setRNGSeed(seed)
    canvas = _background(size)
    width, height = size
    slots = max(1, len(symbols))
    for i, symbol in enumerate(symbols):
        image = rendered.get(symbol) if rendered is not None else None
        if image is None:
            image = render_symbol(symbol)
            if rendered is not None:
                rendered[symbol] = image
        module = conditions.linear_module_px if symbol.kind in _LINEAR else conditions.matrix_module_px
        modules_wide = image.shape[1] / RENDER_MODULE_PX
        centre = (
            width * (i + 0.5) / slots + rng.uniform(-conditions.jitter_px, conditions.jitter_px),
            height / 2 + rng.uniform(-conditions.jitter_px, conditions.jitter_px),
        )
        _place(canvas, image, centre, modules_wide * rng.uniform(*module), conditions, rng)
    sigma = rng.uniform(0, conditions.max_blur_sigma)
    if sigma > 0.05:
        canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    canvas += _noise(canvas.shape, conditions.noise_sigma)
    gray = np.clip(canvas, 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def render_scene(
    shots: Iterable[Shot],
    *,
    size: tuple[int, int] = (1280, 720),
    conditions: Conditions = Conditions(),
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """The frames of a scene, shot after shot."""
    rendered: dict[Symbol, np.ndarray] = {}
    n = 0
    for shot in shots:
        for _ in range(shot.frames):
            yield compose_frame(
                shot.symbols, size=size, conditions=conditions, seed=seed * 100_003 + n, rendered=rendered
            )
            n += 1


def write_frames(directory: Path, frames: Iterable[np.ndarray]) -> int:
    """Write frames as 000000.png, 000001.png, ... Returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, frame in enumerate(frames, start=1):
        cv2.imwrite(str(directory / f"{count - 1:06d}.png"), frame)
    return count


def write_video(path: Path, frames: Iterable[np.ndarray], *, fps: float = 10.0) -> int:
    """Write frames as an MJPG .avi (OpenCV's built-in codec). Returns how many."""
    writer: cv2.VideoWriter | None = None
    count = 0
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    return count


def _symbol(spec: str) -> Symbol:
    """`CONTENT` or `CONTENT::KIND` (a GS1 content in HRI form defaults to gs1-128)."""
    content, _, kind = spec.rpartition("::") if "::" in spec else (spec, "", "")
    if not kind:
        kind = "gs1-128" if content.startswith("(") else ("qr" if content.startswith("RMA:") else "code128")
    if kind not in _FORMATS:
        raise SystemExit(f"unknown symbol kind {kind!r}; known: {', '.join(_FORMATS)}")
    return Symbol(content, kind)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    """Write a scene: each --code held in view for --hold frames, with --gap empty frames between."""
    parser = argparse.ArgumentParser(description="Simulated camera: frames with rendered barcodes")
    parser.add_argument("--out", type=Path, required=True, help="directory (PNG frames) or .avi file")
    parser.add_argument("--code", action="append", default=[], help="CONTENT or CONTENT::KIND (repeatable)")
    parser.add_argument("--hold", type=int, default=10)
    parser.add_argument("--gap", type=int, default=5)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    codes = args.code or ["LPN-000123", "(01)09506000134352(10)LOT1(17)261231::gs1-datamatrix", "RMA:7f3a9c"]
    shots: list[Shot] = [Shot((), args.gap)]
    for spec in codes:
        shots += [Shot((_symbol(spec),), args.hold), Shot((), args.gap)]
    frames = render_scene(shots, size=(args.width, args.height), seed=args.seed)
    if args.out.suffix.lower() == ".avi":
        write_video(args.out, frames, fps=args.fps)
    else:
        write_frames(args.out, frames)
    print(f"camera://{args.out.resolve()}?fps={args.fps:g}")


if __name__ == "__main__":
    main()
