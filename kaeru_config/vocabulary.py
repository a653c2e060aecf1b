"""Words the site description and the stock model share, with no I/O: the kinds of place on a floor."""

from __future__ import annotations

# Every kind of place the inventory knows; the site may declare any of them.
LOCATION_KINDS = frozenset(
    {
        "receiving",
        "storage",
        "pick",
        "pack",
        "returns",
        "inspection",
        "quarantine",
        "refurbish",
        "liquidation",
        "vendor_return",
        "recycle",
        "outbound",
    }
)
