"""The returns API's request bodies and answers, as the OpenAPI document and generated clients see them.

Answers list every key the views produce (a key missing here would be dropped from the JSON); times
are written as `datetime.isoformat()` writes them, as they were before the API had schemas.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from wms.inputs import Code, Count, Id, Name, Note, Quantity, ScanText, Sku, Url, one_of
from wms.returns.rules import OUTCOMES, REASONS, KeepIt, RestockingFee, TrustTier

Instant = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")]


# --- requests ------------------------------------------------------------------------------------


class ReturnLineIn(BaseModel):
    sku: Annotated[Sku, Field(max_length=64)] | None = Field(
        default=None, description="the item, by SKU (or give order_line_id)"
    )
    order_line_id: Id | None = None
    quantity: Annotated[Quantity, Field(gt=0, le=1000)] = 1
    reason: Annotated[Code, one_of(REASONS, "why it comes back")]
    reason_text: Annotated[Note, Field(max_length=500)] = Field(
        default="", description="free text; required for reason 'other'"
    )
    outcome: Annotated[Code, one_of(OUTCOMES, "the outcome the shopper prefers")] = "refund"
    exchange_sku: Annotated[Sku, Field(max_length=64)] | None = Field(
        default=None, description="the variant wanted, for exchange"
    )


class ShopperReturnIn(BaseModel):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)


class StaffReturnIn(ShopperReturnIn):
    warehouse: Code
    order: Annotated[Code, Field(min_length=1, max_length=64)] = Field(description="order number")
    allow_outside_window: bool = Field(default=False, description="managers only: accept after the window")
    print_label: bool = False
    station: Code | None = Field(default=None, description="print the label at this station's printer")
    note: Annotated[Note, Field(max_length=500)] = ""


class LabelIn(BaseModel):
    station: Code | None = None
    printer: Annotated[Url, Field(max_length=300)] | None = Field(
        default=None, description="printer URL, if not a station's"
    )


class StationIn(BaseModel):
    station: Code | None = Field(default=None, description="the returns station (a device's own is implied)")


class ParcelIn(StationIn):
    code: Annotated[ScanText, Field(max_length=200)] = Field(
        default="",
        description="what is on the parcel: RMA QR (RMA:<token>), RMA-<number>, a tracking number, "
        "ORD-<number> or a carton SSCC; empty for a parcel without a readable label",
    )
    weight_g: Annotated[Count, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="parcel weight; omitted: the station scale's latest stable reading"
    )
    merchant: Code | None = Field(
        default=None,
        description="whose parcel an unexpected return with no order is (the associate's choice); "
        "left out: the site's default merchant. A parcel of a known order is always its order's merchant",
    )
    unexpected: bool = Field(
        default=False,
        description="open an unexpected-return case when the code names no return (the associate's "
        "choice); without it such a code is answered 404, or 409 for an order without a return",
    )


class UnitIn(BaseModel):
    raw: Annotated[ScanText, Field(max_length=4096)] | None = Field(
        default=None, description="what the scanner sent (GTIN, GS1, serial)"
    )
    epc: Annotated[Code, Field(max_length=64)] | None = Field(default=None, description="RFID EPC (hex)")
    sku: Annotated[Sku, Field(max_length=64)] | None = Field(
        default=None, description="keyed in instead of scanned"
    )
    serial: Annotated[Code, Field(max_length=64)] | None = None
    quantity: Annotated[Quantity, Field(gt=0, le=1000)] = 1
    not_ours: Annotated[Note, Field(max_length=500)] | None = Field(
        default=None, description="a product that is not ours: describe it (nothing else needed)"
    )


class GradeIn(StationIn):
    answers: dict[Code, Name] = Field(
        description="question id -> answer, for every question of the checklist"
    )


class PutAwayIn(BaseModel):
    location: Annotated[Code, Field(min_length=1, max_length=64)]


class DecisionIn(BaseModel):
    note: Annotated[Note, Field(max_length=1000)] = ""


# --- answers -------------------------------------------------------------------------------------


class PolicyPublic(BaseModel):
    reasons: list[str]
    outcomes: list[str]
    window_days: int
    arrive_within_days: int
    final_sale_returnable: bool
    store_credit_bonus_percent: float
    merchant_fault_reasons: list[str]
    restocking_fees: list[RestockingFee]
    grade_deduction_percent: dict[str, float]
    keep_it: KeepIt | None
    trust_tiers: list[TrustTier]


class QuestionPublic(BaseModel):
    id: str
    text: str = Field(description="in the caller's language (English where there is no translation)")
    answers: list[str]


class RubricPublic(BaseModel):
    category: str
    questions: list[QuestionPublic]


class OutcomeChoices(BaseModel):
    keep_it: bool
    options: list[dict[str, Any]] = Field(
        description="per outcome: the Resolution it pays (kind, amount_minor, fees, rules), "
        "and exchange_skus for an exchange"
    )


class OptionLine(BaseModel):
    order_line_id: int
    sku: str
    name: str
    returnable: int
    eligible: bool
    code: str
    message: str
    unit_price_minor: int
    exchange_skus: list[str]
    options_by_reason: dict[str, OutcomeChoices]


class ReturnOptions(BaseModel):
    order: str
    eligible: bool
    code: str
    message: str
    currency: str
    window_ends: str | None
    store_credit_bonus_percent: float
    reasons: list[str]
    lines: list[OptionLine]


class ReturnLinePublic(BaseModel):
    id: int
    sku: str
    name: str
    quantity: int
    received: int
    resolved: int
    reason: str
    reason_text: str
    outcome: str
    keep_it: bool
    exchange_sku: str | None
    exchange_order: str | None
    unit_price_minor: int
    quoted_minor: int


class MoneyPublic(BaseModel):
    kind: str
    amount_minor: int
    currency: str
    at: Instant


class UnitPublic(BaseModel):
    id: int
    parcel: int
    sku: str | None
    name: str
    category: str
    serial: str
    scanned: str
    match: str
    match_message: str
    status: str
    grade: str | None
    grade_rule: str
    answers: dict[str, str]
    disposition: str
    disposition_rule: str
    location: str | None
    tote: str
    lpn: str
    value_minor: int
    recovery_minor: int
    currency: str
    resolution: str | None
    resolution_detail: dict[str, Any]
    put_away_at: str | None


class HoldPublic(BaseModel):
    id: int
    status: str
    signals: list[str]
    evidence: dict[str, Any]
    decided_by: str | None
    decided_at: Instant | None
    note: str
    created_at: Instant


class HeldPublic(HoldPublic):
    rma: str
    order_id: int | None
    trust_score: float


class ReturnPublic(BaseModel):
    """A return as its shopper sees it."""

    number: str
    merchant: str = Field(description="the code of the merchant whose return it is")
    brand: str = Field(description="the merchant's brand name")
    code: str
    qr_payload: str
    token: str
    kind: str
    status: str
    order: str | None
    currency: str
    return_by: date | None
    carrier: str
    tracking_number: str
    created_at: Instant
    received_at: Instant | None
    lines: list[ReturnLinePublic]
    money: list[MoneyPublic]


class ReturnStaff(ReturnPublic):
    """A return as staff see it: with trust, fraud signals, units and holds."""

    channel: str
    trust_score: float
    trust_tier: str
    instant_refund: bool
    hold_signals: list[str]
    outside_window: bool
    units: list[UnitPublic]
    holds: list[HoldPublic]


class LabelQueued(BaseModel):
    rma: str
    printer: str | None
    queued: bool


class ExpectedPublic(BaseModel):
    sku: str
    quantity: int
    received: int


class ParcelPublic(BaseModel):
    id: int
    merchant: str = Field(description="whose parcel it is: the code of its return's merchant")
    brand: str = Field(description="the merchant's brand name, shown at the station")
    status: str
    rma: str
    rma_kind: str
    rma_status: str
    found_by: str
    weight_g: int | None
    expected_weight_g: int
    weight_verdict: str
    hold_signals: list[str]
    expected: list[ExpectedPublic]
    units: list[UnitPublic]


class UnitsReceivedPublic(BaseModel):
    units: list[UnitPublic]
    rubric: RubricPublic | None = Field(description="the checklist to grade the unit by (none: not ours)")
    message: str


class GradedPublic(BaseModel):
    unit: UnitPublic
    grade: str
    meaning: str
    rule: str
    explain: str
    disposition: str
    disposition_rule: str
    location: str
    tote: str
    lpn: str
    printer: str | None
    resolution: dict[str, Any] | None = Field(
        description="what the unit earned; none while the return is held"
    )
    on_hold: bool
    message: str


class PutAwayPublic(BaseModel):
    unit: UnitPublic
    location: str
    dock_to_stock_s: float | None
    message: str


class PhotoPublic(BaseModel):
    id: int
    unit: int
    content_type: str
    size_bytes: int
    caption: str
    taken_by: str
    created_at: Instant
    url: str


class HoldDecision(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    hold: HoldPublic
    return_: ReturnStaff = Field(alias="return")


class ShopperHistoryPublic(BaseModel):
    orders: int
    units_shipped: int
    units_returned: int
    holds: int
    rejected: int
    lifetime_value_minor: int


class TrustPublic(BaseModel):
    shopper: int
    score: float
    tier: str
    return_rate: float
    serial_returner: bool
    instant_refund: bool
    instant_exchange: bool
    free_exchange: bool
    factors: dict[str, float]
    history: ShopperHistoryPublic
    as_of: str


class StationStarted(BaseModel):
    """The station's returns flow, with the work still open there (a reloaded screen carries on)."""

    mode: str
    station: str | None
    parcel: ParcelPublic | None = None
    unit: UnitPublic | None = Field(default=None, description="taken out of the parcel, not yet graded")
    rubric: RubricPublic | None = None
