"""`sim scanner` started as its own process, read by pyserial like any serial terminal."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import serial


def test_sim_scanner_plays_a_script_onto_a_port_at_the_link_path(tmp_path: Path) -> None:
    script = tmp_path / "scans.txt"
    script.write_text(
        "# two scans\n]C0LOC-A-01-02\n]d2010950600013435210LOT1{GS}17261231\n", encoding="utf-8"
    )
    link = tmp_path / "scanner-1"
    command = "from simulators.cli import app; app()"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-c",
            command,
            "scanner",
            "--link",
            str(link),
            "--script",
            str(script),
            "--terminator",
            "lf",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not link.exists():
            assert time.monotonic() < deadline, "the simulator did not publish its port"
            assert sim.poll() is None
            time.sleep(0.02)
        with serial.Serial(str(link), 9600, timeout=5) as port:
            lines = [port.readline(), port.readline()]
        assert lines == [b"]C0LOC-A-01-02\n", b"]d2010950600013435210LOT1\x1d17261231\n"]
        assert sim.wait(timeout=5) == 0
    finally:
        sim.kill()
        sim.wait()
