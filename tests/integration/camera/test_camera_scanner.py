"""The camera:// driver reading frame directories, video files and real images from disk."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

import pytest

from devices.camera.scanner import CameraScanner
from devices.errors import DeviceDisconnected
from devices.scan import Scan
from simulators.camera import Conditions, Shot, Symbol, render_scene, write_frames, write_video

REAL = Path(__file__).parents[2] / "unit" / "camera" / "real_images"
LPN = Symbol("LPN-000123")
RMA = Symbol("RMA:7f3a9c", "qr")
GS1 = Symbol("(01)09506000134352(10)LOT1(17)261231", "gs1-datamatrix")
SMALL = (640, 360)
MILD = Conditions(
    max_rotation_deg=10,
    max_perspective=0.04,
    max_blur_sigma=0.6,
    noise_sigma=4,
    linear_module_px=(1.6, 2.0),
    matrix_module_px=(4.0, 5.0),
)


async def scans_from(url: str) -> list[Scan]:
    scanner = CameraScanner(url, device_id="pack-3-cam")
    scans: list[Scan] = []

    async def emit(scan: Scan) -> None:
        scans.append(scan)

    task = asyncio.create_task(scanner.run(emit))
    try:
        await asyncio.wait_for(scanner.finished.wait(), 20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return scans


def scene(directory: Path, shots: list[Shot], fps: int = 10) -> str:
    write_frames(directory, render_scene(shots, size=SMALL, conditions=MILD, seed=5))
    return f"camera://{directory}?fps={fps}&speed=0"


async def test_a_code_held_in_view_for_two_seconds_is_one_scan(tmp_path: Path) -> None:
    url = scene(tmp_path, [Shot((), 1), Shot((LPN,), 20), Shot((), 1)])
    scans = await scans_from(url)
    assert [(s.kind, s.code, s.device) for s in scans] == [("lpn", "000123", "pack-3-cam")]


async def test_a_code_that_left_the_view_and_came_back_is_scanned_again(tmp_path: Path) -> None:
    # at 5 frames/s, 7 empty frames are 1.4 s out of view (the leave time is 1 s)
    url = scene(
        tmp_path, [Shot((LPN,), 4), Shot((), 7), Shot((RMA,), 4), Shot((), 7), Shot((LPN,), 4)], fps=5
    )
    scans = await scans_from(url)
    assert [s.raw for s in scans] == ["]C0LPN-000123", "]Q1RMA:7f3a9c", "]C0LPN-000123"]


async def test_a_code_back_in_view_before_the_leave_time_is_not_scanned_again(tmp_path: Path) -> None:
    url = scene(tmp_path, [Shot((LPN,), 6), Shot((), 4), Shot((LPN,), 6)])  # 0.4 s away < 1 s
    assert len(await scans_from(url)) == 1


async def test_a_gs1_datamatrix_scan_carries_the_aim_id_and_its_element_strings(tmp_path: Path) -> None:
    (scan,) = await scans_from(scene(tmp_path, [Shot((GS1,), 5)]))
    assert (scan.symbology, scan.gtin, scan.lot, str(scan.expiry)) == (
        "]d2",
        "09506000134352",
        "LOT1",
        "2026-12-31",
    )


async def test_an_mjpg_video_file_is_read_like_a_camera(tmp_path: Path) -> None:
    video = tmp_path / "pack.avi"
    write_video(
        video, render_scene([Shot((), 2), Shot((RMA,), 8), Shot((), 2)], size=SMALL, conditions=MILD), fps=10
    )
    scans = await scans_from(f"camera://{video}?speed=0")
    assert [(s.kind, s.code) for s in scans] == [("rma", "7f3a9c")]


async def test_a_directory_of_real_photos_gives_a_scan_for_each_code(tmp_path: Path) -> None:
    for name in ("code128.png", "empty.png", "qrcode_rotated.png", "qr_terminal_screenshot.png"):
        shutil.copy(REAL / name, tmp_path / name)
    scans = await scans_from(f"camera://{tmp_path}?fps=1&speed=0")
    assert sorted(s.raw for s in scans) == sorted(
        ["]C0Foramenifera", "]C0Rana temporaria", "]Q1Thalassiodracon", "]Q1this is the bomb"]
    )


async def test_a_single_real_image_can_be_the_source(tmp_path: Path) -> None:
    scans = await scans_from(f"camera://{REAL / 'code39_python_barcode.png'}?speed=0")
    assert [s.data for s in scans] == ["PYTHON-BARCODE+"]


async def test_a_camera_that_is_not_there_raises_device_disconnected() -> None:
    scanner = CameraScanner("camera://57", device_id="d")

    async def emit(scan: Scan) -> None:
        return None

    with pytest.raises(DeviceDisconnected, match="camera://57"):
        await asyncio.wait_for(scanner.run(emit), timeout=10)


async def test_a_missing_recording_raises_device_disconnected(tmp_path: Path) -> None:
    scanner = CameraScanner(f"camera://{tmp_path / 'nothing-here.avi'}", device_id="d")

    async def emit(scan: Scan) -> None:
        return None

    with pytest.raises(DeviceDisconnected, match="no such file"):
        await scanner.run(emit)


def test_an_unknown_url_option_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="unknown camera URL option"):
        CameraScanner("camera://0?fsp=10", device_id="d")


async def test_the_fast_decoder_setting_still_reads_an_upright_code(tmp_path: Path) -> None:
    write_frames(tmp_path, render_scene([Shot((LPN,), 4)], size=SMALL, conditions=MILD, seed=5))
    scans = await scans_from(f"camera://{tmp_path}?fps=10&speed=0&thorough=0")
    assert [s.code for s in scans] == ["000123"]
