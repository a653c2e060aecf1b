"""config/merchants/: one file per merchant, checked at start-up with faults named by file and place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kaeru_config.files import ConfigError
from kaeru_config.merchants import MIGRATED_CODE, load_merchants
from kaeru_config.settings import ROOT


def _folder(tmp_path: Path, **files: dict[str, object]) -> Path:
    (tmp_path / "merchants").mkdir()
    for name, data in files.items():
        (tmp_path / "merchants" / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


def _merchant(code: str, **more: object) -> dict[str, object]:
    return {"code": code, "name": code.title(), "brand": {"name": f"{code.title()} Shop"}, **more}


def test_the_shipped_merchants_load_with_one_default_and_distinct_brands() -> None:
    merchants = load_merchants(ROOT / "config")
    assert [m.code for m in merchants if m.default] == ["KAERU"]
    assert len({m.brand.name for m in merchants}) == len(merchants) >= 2
    assert {m.code for m in merchants} >= {"KAERU", "SAKURA"}


def test_a_site_without_merchant_files_has_one_default_merchant(tmp_path: Path) -> None:
    (only,) = load_merchants(tmp_path)
    assert only.code == MIGRATED_CODE
    assert only.default


def test_the_first_merchant_is_the_default_when_none_says_so(tmp_path: Path) -> None:
    merchants = load_merchants(_folder(tmp_path, acme=_merchant("ACME"), zed=_merchant("ZED")))
    assert [m.code for m in merchants if m.default] == ["ACME"]


@pytest.mark.parametrize(
    ("files", "fault"),
    [
        (
            {"acme": _merchant("ACME", brand={"name": "A", "colours": {"primary": "green"}})},
            "brand.colours.primary",
        ),
        ({"acme": _merchant("ACME", brand={"name": "A", "languages": ["fr"]})}, "brand.languages"),
        ({"acme": _merchant("acme")}, "code"),
        ({"acme": _merchant("OTHER")}, "acme.yaml"),
        ({"a": _merchant("A", default=True), "b": _merchant("B", default=True)}, "more than one default"),
        ({"acme": _merchant("ACME", surprise=1)}, "surprise"),
        (
            {
                "a": _merchant("A", shops=[{"domain": "x.myshopify.com"}]),
                "b": _merchant("B", shops=[{"domain": "x.myshopify.com"}]),
            },
            "shop domain",
        ),
    ],
)
def test_a_bad_merchant_file_is_refused_naming_the_fault(
    tmp_path: Path, files: dict[str, dict[str, object]], fault: str
) -> None:
    with pytest.raises(ConfigError, match=fault):
        load_merchants(_folder(tmp_path, **files))
