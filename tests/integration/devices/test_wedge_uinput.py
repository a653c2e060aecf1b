"""The wedge simulator as a real virtual keyboard (uinput), read by the hid:// driver.

These need /dev/uinput; where the kernel does not offer it they are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from devices.errors import DeviceDisconnected
from devices.hid import HidScanner
from devices.scan import GS
from simulators.wedge import UinputUnavailable, WedgeSimulator, read_evemu, uinput_missing
from tests.integration.devices.test_hid_events import Received

WEDGE = Path(__file__).parents[2] / "unit" / "devices" / "data" / "wedge"
needs_uinput = pytest.mark.skipif(uinput_missing() is not None, reason=uinput_missing() or "")


def test_without_uinput_the_simulator_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(UinputUnavailable, match=r"uinput.* is absent"):
        WedgeSimulator().start(devnode=str(tmp_path / "uinput"))


@contextlib.asynccontextmanager
async def reading(wedge: WedgeSimulator):  # type: ignore[no-untyped-def]
    received = Received()
    task = asyncio.create_task(HidScanner(wedge.url(), device_id="wedge-1").run(received))
    await asyncio.sleep(0.2)  # the driver opens and grabs the new keyboard
    try:
        yield received
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DeviceDisconnected):
            await task


@needs_uinput
@pytest.mark.parametrize("layout", ["us", "de", "jp"])
async def test_scans_typed_on_a_virtual_keyboard_arrive_as_scans(layout: str) -> None:
    wedge = WedgeSimulator(layout=layout)
    wedge.start()
    try:
        async with reading(wedge) as received:
            await wedge.scan("]C0LOC-A-01-02")
            await wedge.scan("]d2010950600013435210LOT1" + GS + "17261231")
            scans = await received.wait_for(2)
        assert [(s.kind, s.code or s.lot) for s in scans] == [("location", "A-01-02"), ("gtin", "LOT1")]
    finally:
        wedge.close()


@needs_uinput
async def test_a_recorded_german_scan_replayed_through_uinput_reads_the_same() -> None:
    wedge = WedgeSimulator(layout="de")
    wedge.start()
    try:
        async with reading(wedge) as received:
            await wedge.replay(read_evemu((WEDGE / "de-3.evemu").read_text()))
            (scan,) = await received.wait_for(1)
        assert (scan.kind, scan.gtin) == ("gtin", "04006381333931")
    finally:
        wedge.close()
