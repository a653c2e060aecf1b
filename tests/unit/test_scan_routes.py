"""The scan routing table is the one place that says which code answers a device's scans."""

from __future__ import annotations

from wms.fulfilment import scans as fulfilment_scans
from wms.inventory import scans as inventory_scans
from wms.returns import scans as returns_scans
from wms.scanning import routes
from wms.scanning.assignment import MODES
from wms.scanning.lookup import look_up


def test_every_routed_mode_is_a_mode_a_device_can_be_given():
    assert set(routes.CHANGING) <= MODES
    assert set(routes.ANSWERING) <= MODES
    assert not set(routes.CHANGING) & set(routes.ANSWERING)


def test_pick_pack_returns_receive_and_putaway_scans_go_to_their_areas_and_idle_scans_are_look_ups():
    assert {
        "pick": fulfilment_scans.pick,
        "pack": fulfilment_scans.pack,
        "returns": returns_scans.returns_scan,
        "receive": inventory_scans.receive_scan,
        "putaway": inventory_scans.putaway_scan,
    } == routes.CHANGING
    assert {"idle": look_up} == routes.ANSWERING
