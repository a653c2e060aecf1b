"""The README lists every setting the product reads: each `KAERU_*` variable named in the code or
the shipped configuration, and each field of the process settings."""

from __future__ import annotations

import re

from kaeru_config.settings import ROOT, Settings

PACKAGES = ("wms", "devices", "labels", "kiosk_ui", "simulators", "kaeru_config")
VARIABLE = re.compile(r"\bKAERU_[A-Z0-9_]*[A-Z0-9]\b")


def _named_in_the_product() -> set[str]:
    names: set[str] = set()
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    files += list((ROOT / "config").rglob("*.yaml"))
    for path in files:
        names |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = {f"KAERU_{name.upper()}" for name in Settings.model_fields}
    named = _named_in_the_product() | settings
    missing = sorted(name for name in named if f"`{name}`" not in readme)
    assert not missing, f"settings the README does not list: {missing}"


def test_the_scan_finds_the_settings_make_run_reads() -> None:
    # The check above is only as good as this scan.
    assert {"KAERU_FLOOR_SPEED", "KAERU_DEMO_DIR", "KAERU_AGENT_TOKEN"} <= _named_in_the_product()
