"""Reading config/delivery.yaml: the one place the delivery area touches files (the network is pure)."""

from __future__ import annotations

from pathlib import Path

import yaml

from wms.delivery.network import Network, network_from_mapping


def load_network(*, path: Path) -> Network:
    """Read a delivery.yaml file and build the network from it."""
    with path.open(encoding="utf-8") as handle:
        return network_from_mapping(data=yaml.safe_load(handle) or {})
