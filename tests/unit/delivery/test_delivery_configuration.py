from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from wms.delivery import load_network, network_from_mapping

CONFIG = Path(__file__).resolve().parents[3] / "config" / "delivery.yaml"


def test_the_shipped_delivery_configuration_loads_with_every_warehouse_and_carrier() -> None:
    network = load_network(path=CONFIG)
    assert set(network.warehouses) == {"us-nj", "jp-kanto", "ua-kyiv"}
    assert network.warehouses["us-nj"].cutoff == time(16, 0)
    assert {"ups", "usps", "fedex", "yamato", "sagawa", "japan_post", "nova_poshta", "ukrposhta"} <= set(
        network.carriers
    )


def test_every_shipped_service_has_a_transit_table_row_from_a_warehouse_country() -> None:
    network = load_network(path=CONFIG)
    origins = {site.country for site in network.warehouses.values()}
    for carrier in network.carriers.values():
        for service in carrier.services.values():
            assert any(lane.origin in origins for lane in service.lanes), f"{carrier.code}/{service.code}"


def test_an_unquoted_cutoff_read_by_yaml_as_minutes_is_still_a_clock_time(
    network_mapping: dict[str, Any],
) -> None:
    mapping = network_mapping
    mapping["warehouses"]["us-nj"]["cutoff"] = yaml.safe_load("16:30")  # YAML 1.1 sexagesimal: 990
    assert network_from_mapping(data=mapping).warehouses["us-nj"].cutoff == time(16, 30)


def test_a_warehouse_in_an_unlisted_country_is_refused_with_its_name(network_mapping: dict[str, Any]) -> None:
    mapping = network_mapping
    mapping["warehouses"]["de-berlin"] = {"region": "DE-BE", "cutoff": "15:00"}
    with pytest.raises(ValueError, match="de-berlin"):
        network_from_mapping(data=mapping)


def test_a_lane_with_its_minimum_above_its_maximum_is_refused(network_mapping: dict[str, Any]) -> None:
    mapping = network_mapping
    mapping["carriers"]["parcelco"]["services"]["ground"]["lanes"][0]["days"] = [5, 2]
    with pytest.raises(ValueError, match="min <= max"):
        network_from_mapping(data=mapping)


def test_a_confidence_of_one_is_refused(network_mapping: dict[str, Any]) -> None:
    mapping = network_mapping
    mapping["confidence"] = 1.0
    with pytest.raises(ValueError, match="confidence"):
        network_from_mapping(data=mapping)


def test_a_carrier_holiday_rule_must_be_all_none_or_a_list_of_names(network_mapping: dict[str, Any]) -> None:
    mapping = network_mapping
    mapping["carriers"]["parcelco"]["holidays"] = "some"
    with pytest.raises(ValueError, match="'all', 'none'"):
        network_from_mapping(data=mapping)
