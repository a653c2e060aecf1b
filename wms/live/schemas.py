"""The live floor's HTTP shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LiveSummary(BaseModel):
    """What the live socket sends first, counted in the database: scans per minute, orders by state,
    devices and their state, returns by stage."""

    warehouse: str
    at: str = Field(description="when it was counted, ISO 8601")
    data: dict[str, Any] = Field(
        description="scans_per_minute, orders_by_state, devices, returns (by_stage), and any area's figures"
    )
