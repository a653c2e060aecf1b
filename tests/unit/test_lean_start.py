"""A server process imports only what serving needs: no simulators, station agent, printer rendering
(python-escpos, reportlab), barcode decoding (zxing-cpp) or camera code (OpenCV, pyzbar). Each worker
of `kaeru serve --workers N` re-imports the command module and builds the app, so this is what every
worker pays before it answers; checked in a fresh interpreter (sys.modules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kaeru_config.settings import ROOT

NOT_AT_START = [
    "simulators",
    "devices.agent",
    "escpos",
    "reportlab",
    "zxingcpp",
    "cv2",
    "pyzbar",
    "labels.kinds",
]

PROBE = """
import json, sys
{imports}
print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))
"""


def _loaded(imports: str, tmp_path: Path) -> list[str]:
    env = {
        **os.environ,
        "KAERU_ENVIRONMENT": "test",
        "KAERU_DATABASE_URL": f"sqlite:///{tmp_path / 'kaeru.db'}",
        "KAERU_RUN_RELAY": "false",
    }
    probe = PROBE.format(imports=imports, watched=NOT_AT_START)
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_loads_no_simulator_printer_or_camera_code(tmp_path: Path) -> None:
    assert _loaded("import wms.app", tmp_path) == []


def test_a_serve_worker_builds_the_app_without_them(tmp_path: Path) -> None:
    # What a worker runs: the `kaeru` command module (re-imported as the spawned process's main),
    # then the app factory, which wires the relay and the print spooler.
    assert _loaded("import wms.cli\nimport wms.app\nwms.app.create_app()", tmp_path) == []


def test_the_probe_sees_a_module_that_was_loaded(tmp_path: Path) -> None:
    assert _loaded("import escpos", tmp_path) == ["escpos"]
    assert _loaded("import labels.kinds", tmp_path) == ["labels.kinds", "reportlab", "zxingcpp"]
