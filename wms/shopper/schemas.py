"""What the shopper's side takes and answers over HTTP: delivery estimates, Shopify imports, claims and
the tracking page's facts. Keys and values are those the storefront, the pages and the tests read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from wms.delivery.model import ParcelState
from wms.inputs import Code, Note, Quantity, Sku, one_of
from wms.shopper import model

# --- delivery estimates --------------------------------------------------------------------------


class CartLineIn(BaseModel):
    sku: Annotated[Sku, Field(min_length=1, max_length=64)]
    quantity: Annotated[Quantity, Field(gt=0, le=10_000)] = 1


class DestinationIn(BaseModel):
    country: Annotated[Code, Field(min_length=2, max_length=2)] = Field(description="ISO 3166-1 alpha-2")
    postal_code: Annotated[Code, Field(max_length=16)] = ""


class EddIn(BaseModel):
    warehouse: Annotated[Code, Field(max_length=32)] = Field(
        default="", description="ships from; default: the caller's or the first"
    )
    destination: DestinationIn
    lines: list[CartLineIn] = Field(min_length=1, max_length=200)
    confidence: float | None = Field(
        default=None, gt=0, lt=1, description="default: the network's (e.g. 0.9)"
    )
    carrier: Annotated[Code, Field(max_length=32)] | None = Field(
        default=None, description="only this carrier and service"
    )
    service: Annotated[Code, Field(max_length=32)] | None = None


class Estimate(BaseModel):
    """One service's delivery estimate: the day at the confidence asked, and a range around it."""

    carrier: str
    service: str
    on: str = Field(description="ISO date")
    earliest: str = Field(description="ISO date")
    latest: str = Field(description="ISO date")
    confidence: float
    ship_date: str | None = Field(description="ISO date the parcel should leave the warehouse")
    state: str = Field(description=" | ".join(ParcelState))
    basis: str
    observations: int


class CartEstimates(BaseModel):
    warehouse: str
    destination: DestinationIn
    estimates: list[Estimate]


class OrderEstimate(Estimate):
    order: str
    promised_date: str | None = Field(description="ISO date promised when the order was placed")


# --- Shopify -------------------------------------------------------------------------------------


class ShopifyOrderImported(BaseModel):
    order: str
    id: int | None
    status: str
    duplicate: bool = Field(description="true: this webhook was received before; nothing new was imported")


# --- delivery claims -----------------------------------------------------------------------------


class ClaimIn(BaseModel):
    kind: Annotated[Code, one_of(model.CLAIM_KINDS, "what went wrong")]
    lines: dict[Sku, Quantity] = Field(
        default_factory=dict, description="SKU -> units affected (not for not_received)"
    )
    note: Annotated[Note, Field(max_length=1000)] = ""


class DecisionIn(BaseModel):
    resolution: Code = Field(description=f"one of {', '.join(model.RESOLUTIONS)}")
    note: Annotated[Note, Field(max_length=1000)] = Field(
        default="", description="the reason, told to the shopper (needed to deny)"
    )


class ClaimPublic(BaseModel):
    """A claim as its shopper sees it."""

    number: str = Field(description="CLM-<number>")
    kind: str = Field(description=", ".join(model.CLAIM_KINDS))
    status: str = Field(description=", ".join(model.ClaimStatus))
    resolution: str = Field(description=f"'' while open; then one of {', '.join(model.RESOLUTIONS)}")
    reason: str
    lines: dict[str, int] = Field(description="SKU -> units claimed")
    currency: str
    amount_minor: int = Field(description="refunded, in the currency's minor units")
    created_at: datetime
    resolved_at: datetime | None


class ClaimStaff(ClaimPublic):
    """A claim with the evidence Kaeru gathered, for the manager who decides it."""

    evidence: dict[str, Any]
    signals: list[str]
    note: str
    decided_by: str = Field(description='"auto", or the deciding manager\'s principal key')
    order_id: int
    shopper_id: int
    reship_order_id: int | None


# --- the tracking page as JSON -------------------------------------------------------------------


class TrackedOrder(BaseModel):
    number: str
    status: str
    promised_date: date | None


class TrackedLine(BaseModel):
    sku: str
    name: str
    quantity: int


class TimelineEntry(BaseModel):
    kind: str = Field(description="ordered, shipped, or a carrier event kind")
    at: datetime
    location: str
    description: str | None = Field(default=None, description="carrier events only")


class TrackedShipment(BaseModel):
    carrier: str
    tracking_number: str
    status: str
    estimated_delivery: date | None


class TrackedReturn(BaseModel):
    number: str
    token: str
    status: str


class Tracking(BaseModel):
    order: TrackedOrder
    lines: list[TrackedLine]
    estimate: OrderEstimate | None
    timeline: list[TimelineEntry] = Field(description="newest first")
    shipments: list[TrackedShipment]
    returnable: bool
    claims: list[ClaimPublic]
    returns: list[TrackedReturn]
