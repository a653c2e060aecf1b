"""The layers and the purity of the domain models hold, and the contracts that say so can fail.

The contracts live in pyproject.toml ([tool.importlinter]) and are explained in docs/architecture.md,
"Layers". The second test plants, in a copy of the code, each dependency that once made a cycle or
an impure model, and checks that the contracts name every one of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kaeru_config.settings import ROOT

PACKAGES = ("wms", "devices", "labels", "kiosk_ui", "simulators", "kaeru_config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_code_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


# Each planted import is one of the dependencies the structure issue found (or its like today).
PLANTED = {
    # the server driving the simulated floor (the demo used to live in wms/)
    "wms/demo.py": ("import simulators.floor\n", "wms.demo -> simulators.floor"),
    # the station agent reading the server's settings
    "devices/agent/cli.py": ("import wms.context\n", "devices.agent.cli -> wms.context"),
    # the staff screens borrowing the server's errors
    "kiosk_ui/api.py": ("import wms.errors\n", "kiosk_ui.api -> wms.errors"),
    # a domain model loading configuration files
    "wms/returns/model.py": (
        "import kaeru_config.site\n",
        "wms.returns.model is not allowed to import kaeru_config.site",
    ),
    # a domain model reading files (the delivery network used to be loaded from YAML by the model)
    "wms/delivery/model.py": ("import yaml\n", "wms.delivery.model is not allowed to import yaml"),
    # a domain model knowing HTTP status codes
    "wms/inventory/model.py": (
        "import wms.error_status\n",
        "wms.inventory.model is not allowed to import wms.error_status",
    ),
}


def test_the_contracts_fail_on_each_dependency_that_once_made_a_cycle_or_an_impure_model(tmp_path):
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for path, (line, _) in PLANTED.items():
        target = tree / path
        target.write_text(line + (target.read_text() if target.exists() else ""))

    result = lint_imports(tree)

    assert result.returncode != 0
    report = " ".join(result.stdout.split())
    for path, (_, expected) in PLANTED.items():
        assert " ".join(expected.split()) in report, f"{path}: {expected!r} not reported\n{result.stdout}"


def test_no_server_module_outside_the_migrations_is_longer_than_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "wms").rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > 600
    }
    assert long == {}


def test_production_code_has_no_assert_statements():
    """`python -O` strips asserts: a runtime check must raise on its own (ruff's S101 outside tests)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith("assert ")
    ]
    assert offenders == []
