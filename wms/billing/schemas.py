"""Billing over HTTP."""

from __future__ import annotations

from pydantic import BaseModel


class BillingDayPublic(BaseModel):
    merchant: str
    day: str
    units_received: int
    orders_shipped: int
    cartons_shipped: int
    lines_picked: int
    units_picked: int
    returns_processed: int
    labels_printed: int
    storage_unit_days: int
    returns_by_grade: dict[str, int]
