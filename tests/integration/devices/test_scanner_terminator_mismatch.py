"""A scanner whose terminator is not the one the port is configured for, over a real pty.

Before: a scanner sending CR to a port set for CRLF gave no scan and no warning until 4,096
bytes piled up, then one oversized "unknown" frame.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from devices.framing import Framing
from simulators.scanner import ScannerSimulator
from tests.integration.devices.test_scanner_serial import reading


@pytest.mark.parametrize(
    ("configured", "sent", "setting"),
    [("crlf", "cr", "terminator=cr"), ("crlf", "lf", "terminator=lf"), ("cr", "crlf", "terminator=crlf")],
)
async def test_a_scanner_with_another_terminator_is_named_within_a_second_and_keeps_scanning(
    tmp_path: Path, configured: str, sent: str, setting: str
) -> None:
    sim = ScannerSimulator(tmp_path / "scanner", Framing(terminator=sent), host_timeout=3)  # type: ignore[arg-type]
    await sim.start()
    try:
        url = sim.url().replace(f"terminator={sent}", f"terminator={configured}")
        if "terminator=" not in url:
            url += ("&" if "?" in url else "?") + f"terminator={configured}"
        async with reading(sim, url) as received:
            started = time.monotonic()
            await sim.scan("]E05901234123457")
            await received.wait_for(1, within=1.0)  # the warning is emitted just before the scan
            warned_after = time.monotonic() - started
            await sim.scan("]C0LOC-A-01-02")
            await sim.scan("]C0LPN-00012345")
            scans = await received.wait_for(3, within=2.0)
            await asyncio.sleep(0.3)
        warnings = [h for h in received.health if h.warning]
        assert len(warnings) == 1
        assert setting in warnings[0].detail
        assert warned_after < 1.0
        assert [(s.kind, s.gtin or s.code) for s in scans] == [
            ("gtin", "05901234123457"),
            ("location", "A-01-02"),
            ("lpn", "00012345"),
        ]
    finally:
        sim.close()


async def test_a_scanner_with_the_configured_terminator_raises_no_warning(tmp_path: Path) -> None:
    sim = ScannerSimulator(tmp_path / "scanner", Framing(terminator="crlf"), host_timeout=3)
    await sim.start()
    try:
        async with reading(sim) as received:
            await sim.scan("]E05901234123457")
            await received.wait_for(1)
            await asyncio.sleep(0.4)
        assert [h for h in received.health if h.warning] == []
    finally:
        sim.close()
