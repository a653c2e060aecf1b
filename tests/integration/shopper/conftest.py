"""A floor with the shop's webhook secret set, stocked with a few items."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.floor import Floor
from tests.integration.shopper.shop import SECRET
from wms.context import Kaeru
from wms.seed import gtin13


@pytest.fixture
def floor(kaeru: Kaeru, monkeypatch: pytest.MonkeyPatch) -> Iterator[Floor]:
    monkeypatch.setenv("KAERU_SHOPIFY_WEBHOOK_SECRET", SECRET)
    f = Floor(kaeru)
    f.item(
        "TEE-M",
        gtin=gtin13("0614141", 101),
        weight_g=250,
        price_minor=2500,
        variant_group="tee",
        variant_label="M",
    )
    f.item(
        "TEE-L",
        gtin=gtin13("0614141", 102),
        weight_g=260,
        price_minor=2500,
        variant_group="tee",
        variant_label="L",
    )
    f.item(
        "FILTER",
        gtin=gtin13("0614141", 103),
        weight_g=100,
        price_minor=1200,
        consumable_days=30,
        category="home",
    )
    f.receive("TEE-M", 30, "A-01-1")
    f.receive("TEE-L", 10, "A-01-2")
    f.receive("FILTER", 10, "A-02-1")
    yield f
    f.close()
