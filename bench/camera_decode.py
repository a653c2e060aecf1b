"""Camera decode cost and accuracy, in one run, against zxing-cpp alone as the baseline.

1. ms per 1280x720 grayscale frame, with a code in view (Code 128 licence plate, GS1 DataMatrix;
   frames from the camera simulator: rotation, perspective, blur, noise) and with none, for:
   - zxing-cpp alone: `read_barcodes` with its defaults (full search) on every frame;
   - the old path: zxing-cpp's full search, then pyzbar on every frame where it found nothing;
   - the video path (devices.camera.video): region of interest / downscaled frame every frame, the
     full search only after 200 ms without a code, pyzbar off. Frames are fed on a 15 frames/s
     timeline, so its occasional slow pass is counted in the mean.
2. decode rate on the public sample set (tests/unit/camera/real_images/public_samples.json: zbar's
   example images with zbar's expected output, pyzbar's test images, ...), each put in a 720p
   frame: images read right, and texts read that the image does not hold (misreads). zxing-cpp
   alone and the old path get one frame; the video path half a second of video (8 frames).

Prints one JSON object. `python bench/camera_decode.py`
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.camera.decoders import PyzbarDecoder, to_gray
from devices.camera.video import VideoDecoder, VideoSettings
from simulators.camera import Symbol, compose_frame

SIZE = (1280, 720)
FPS = 15
FRAMES = 8  # distinct frames per scene, cycled
BUDGET_S = 3.0  # per method and scene
SAMPLES = Path(__file__).resolve().parents[1] / "tests/unit/camera/real_images"
PYZBAR = PyzbarDecoder()


def zxing_alone(gray: np.ndarray) -> list[str]:
    return [
        b.symbology_identifier + b.text
        for b in zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain)
    ]


def old_path(gray: np.ndarray) -> list[str]:
    return zxing_alone(gray) or [d.text for d in PYZBAR.decode(gray)]


def frames_with(symbols: list[Symbol]) -> list[np.ndarray]:
    return [to_gray(compose_frame(symbols, size=SIZE, seed=seed)) for seed in range(FRAMES)]


def timed(decode: Callable[[np.ndarray, float], list[str]], frames: list[np.ndarray]) -> dict[str, float]:
    decode(frames[0], 0.0)  # warm up
    times: list[float] = []
    found = 0
    started = time.perf_counter()
    while time.perf_counter() - started < BUDGET_S and len(times) < 20 * len(frames):
        frame = frames[len(times) % len(frames)]
        t = time.perf_counter()
        found += bool(decode(frame, (len(times) + 1) / FPS))
        times.append(time.perf_counter() - t)
    return {
        "frames": len(times),
        "ms_per_frame_mean": round(statistics.fmean(times) * 1000, 1),
        "ms_per_frame_median": round(statistics.median(times) * 1000, 1),
        "ms_per_frame_p95": round(sorted(times)[int(len(times) * 0.95) - 1] * 1000, 1),
        "share_of_frames_decoded": round(found / len(times), 2),
    }


def video_method(settings: VideoSettings | None = None) -> Callable[[np.ndarray, float], list[str]]:
    decoder = VideoDecoder(settings)
    return lambda gray, now: [d.text for d in decoder.decode(gray, now)]


def in_720p_frame(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise FileNotFoundError(path)
    if image.shape[0] > 640:
        scale = 640 / image.shape[0]
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((SIZE[1], SIZE[0]), 255, np.uint8)
    h, w = image.shape
    top, left = (SIZE[1] - h) // 2, (SIZE[0] - w) // 2
    frame[top : top + h, left : left + w] = image
    return frame


def sample_set() -> dict[str, object]:
    samples = json.loads((SAMPLES / "public_samples.json").read_text())["samples"]
    methods: dict[str, Callable[[np.ndarray], set[str]]] = {
        "zxing_cpp_alone": lambda f: {t[3:] for t in zxing_alone(f)},
        "old_path_zxing_then_pyzbar": lambda f: {t[3:] for t in old_path(f)},
        "video_path": lambda f: {t[3:] for d in [video_method()] for i in range(8) for t in d(f, i / FPS)},
        "video_path_fallback_pyzbar": lambda f: {
            t[3:]
            for d in [video_method(VideoSettings(fallback="pyzbar"))]
            for i in range(8)
            for t in d(f, i / FPS)
        },
    }
    result: dict[str, object] = {
        "images": len(samples),
        "images_holding_codes": sum(1 for s in samples if s["data"]),
    }
    for name, read in methods.items():
        right = wrong = 0
        for sample in samples:
            texts = read(in_720p_frame(SAMPLES / sample["file"]))
            right += bool(sample["data"]) and set(sample["data"]) <= texts
            wrong += len(texts - set(sample["data"]))
        result[name] = {"read_right": right, "misreads": wrong}
    return result


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.machine()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")


def main() -> None:
    scenes = {
        "code128_in_view": frames_with([Symbol("LPN-000123")]),
        "gs1_datamatrix_in_view": frames_with(
            [Symbol("(01)09506000134352(10)LOT1(17)261231", "gs1-datamatrix")]
        ),
        "no_code": frames_with([]),
    }
    methods: dict[str, Callable[[], Callable[[np.ndarray, float], list[str]]]] = {
        "zxing_cpp_alone": lambda: lambda gray, now: zxing_alone(gray),
        "old_path_zxing_then_pyzbar": lambda: lambda gray, now: old_path(gray),
        "video_path": video_method,
    }
    result = {
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "zxing_cpp": zxingcpp.__version__ if hasattr(zxingcpp, "__version__") else "",
            "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        },
        "frame": f"{SIZE[0]}x{SIZE[1]} grayscale, {FPS} frames/s timeline",
        "per_frame": {
            scene: {name: timed(make(), frames) for name, make in methods.items()}
            for scene, frames in scenes.items()
        },
        "public_sample_set": sample_set(),
    }
    result["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)  # type: ignore[index]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
