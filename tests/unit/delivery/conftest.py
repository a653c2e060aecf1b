"""A small delivery network with round numbers, so expected dates can be worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from wms.delivery import Network, TransitModel, learn_transit, network_from_mapping

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = [*WEEKDAYS, "sat", "sun"]


def small_network_mapping() -> dict[str, Any]:
    """US, JP and UA warehouses; carriers with one-value transit tables ([n, n] days)."""
    return {
        "confidence": 0.8,
        "range": [0.1, 0.9],
        "delay_notice_probability": 0.5,
        "peak_months": [11, 12],
        "learning": {"prior_pseudo_counts": 8, "backoff_pseudo_counts": 12, "min_observations": 5},
        "countries": {
            "US": {"timezone": "America/New_York", "postal_levels": [1, 3]},
            "JP": {"timezone": "Asia/Tokyo", "postal_levels": [1, 3]},
            "UA": {"timezone": "Europe/Kyiv", "postal_levels": [2, 3]},
        },
        "warehouses": {
            "us-nj": {
                "region": "US-NJ",
                "cutoff": "16:00",
                "handling_days": 0,
                "working_days": WEEKDAYS,
                "shift_hours": 8,
                "lines_per_hour": 100,
            },
            "jp-kanto": {"region": "JP-13", "cutoff": "14:00", "working_days": WEEKDAYS, "shift_hours": 8},
            "ua-kyiv": {"region": "UA-30", "cutoff": "15:00", "working_days": WEEKDAYS, "shift_hours": 8},
        },
        "carriers": {
            "parcelco": {
                "pickup_days": WEEKDAYS,
                "delivery_days": WEEKDAYS,
                "holidays": "all",
                "exception_delay_days": 2,
                "services": {
                    "ground": {"lanes": [{"from": "US", "to": "US", "days": [3, 3]}]},
                    "saturday_express": {
                        "delivery_days": [*WEEKDAYS, "sat"],
                        "lanes": [{"from": "US", "to": "US", "days": [1, 1]}],
                    },
                },
            },
            "bigbrown": {
                "pickup_days": WEEKDAYS,
                "delivery_days": WEEKDAYS,
                "holidays": ["Independence Day", "Thanksgiving", "Christmas Day"],
                "services": {"ground": {"lanes": [{"from": "US", "to": "US", "days": [2, 2]}]}},
            },
            "kuroneko": {
                "pickup_days": EVERY_DAY,
                "delivery_days": EVERY_DAY,
                "holidays": "none",
                "exception_delay_days": 1,
                "services": {
                    "standard": {
                        "lanes": [
                            {"from": "JP", "to": "JP", "days": [1, 1]},
                            {"from": "JP", "to": "JP", "postal": "90", "days": [3, 3]},
                        ]
                    }
                },
            },
            "jpost": {
                "holidays": "all",
                "services": {"yupack": {"lanes": [{"from": "JP", "to": "JP", "days": [2, 2]}]}},
            },
            "ukr": {
                "holidays": "all",
                "closed_days": ["12-25"],
                "services": {"standard": {"lanes": [{"from": "UA", "to": "UA", "days": [2, 2]}]}},
            },
            "nova": {
                "pickup_days": EVERY_DAY,
                "delivery_days": EVERY_DAY,
                "holidays": "none",
                "services": {"branch": {"lanes": [{"from": "UA", "to": "UA", "days": [1, 1]}]}},
            },
        },
    }


@pytest.fixture
def network_mapping() -> dict[str, Any]:
    """A fresh copy of the small network's configuration, for tests that change it."""
    return small_network_mapping()


@pytest.fixture(scope="session")
def network() -> Network:
    return network_from_mapping(data=small_network_mapping())


@pytest.fixture(scope="session")
def prior_only(network: Network) -> TransitModel:
    return learn_transit(network=network, records=[])
