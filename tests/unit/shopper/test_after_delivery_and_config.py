"""When after-delivery messages fall due, and config/shopper.yaml checked against the site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kaeru_config.settings import ROOT
from kaeru_config.site import ConfigError, load_site
from wms.shopper.config import load_shopper_config
from wms.shopper.model import replenishment_due, review_due

DELIVERED = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


def test_a_review_is_asked_for_the_configured_days_after_delivery() -> None:
    assert review_due(DELIVERED, 7) == DELIVERED + timedelta(days=7)


def test_a_consumable_runs_out_after_its_rebuy_interval_for_each_unit_bought() -> None:
    assert replenishment_due(DELIVERED, consumable_days=30, quantity=3) == DELIVERED + timedelta(days=90)


def test_the_shipped_configuration_loads() -> None:
    config = load_shopper_config(ROOT / "config", load_site(ROOT / "config"))
    assert config.delivery.network_service("UPS", "GROUND") == ("ups", "ground")
    assert config.delivery.kaeru_service("ups", "next_day_air") == ("UPS", "NEXTDAY")


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load((ROOT / "config" / "shopper.yaml").read_text())
    for dotted, value in change.items():
        *path, last = dotted.split(".")
        target = data
        for part in path:
            target = target[part]
        target[last] = value
    (tmp_path / "shopper.yaml").write_text(yaml.safe_dump(data))
    return tmp_path


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        ({"shopify.warehouse": "WH9"}, "WH9"),
        ({"delivery.carriers.UPS.services": {"OVERNIGHT": "next_day_air"}}, "OVERNIGHT"),
        ({"shopify.shipping.express": {"carrier": "DHL", "service": "X"}}, "DHL"),
    ],
)
def test_a_bad_shopper_configuration_is_refused_naming_the_fault(
    tmp_path: Path, change: dict[str, object], fault: str
) -> None:
    with pytest.raises(ConfigError, match=fault):
        load_shopper_config(_write(tmp_path, change), load_site(ROOT / "config"))
