"""Request and response bodies of the carrier routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from wms.inputs import Code


class ManifestIn(BaseModel):
    warehouse: Code
    carrier: Code


class ManifestPublic(BaseModel):
    id: int
    carrier: str
    identifier: str
    parcels: int
    document: bool  # whether the carrier gave a document (a SCAN form) to hand to the driver
    created_at: datetime


class LabelPublic(BaseModel):
    carrier: str
    service: str
    status: str
    tracking_number: str | None
    bought_at: datetime | None


class TrackingPolled(BaseModel):
    events: int
