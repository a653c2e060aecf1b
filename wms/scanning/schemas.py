"""What the scan-ingest API reads and answers: scans, replayed batches, scale weights, device health."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wms.errors import Invalid
from wms.inputs import Code, Grams, Moment, Name, Note, ScanText, describe_faults, one_of
from wms.scanning.assignment import MODES

MAX_BATCH = 5000


class ScanIn(BaseModel):
    raw: Annotated[ScanText, Field(max_length=4096)] = Field(
        description="What the scanner sent, AIM symbology id included"
    )
    scanned_at: Moment | None = None
    epc: Annotated[Code, Field(max_length=64)] | None = Field(
        default=None, description="RFID EPC (hex) instead of a barcode"
    )


class BatchScan(BaseModel):
    """One scan of a replayed queue, read loosely so that one bad scan does not refuse the batch:
    `checked` applies ScanIn's rules scan by scan, and a scan they refuse is answered 422 in its
    place while the rest go on in order."""

    idempotency_key: Annotated[Name, Field(min_length=1)]
    raw: str = Field(default="", max_length=4096, description="as ScanIn.raw (checked per scan)")
    scanned_at: str | None = Field(
        default=None, max_length=64, description="as ScanIn.scanned_at (checked per scan)"
    )
    epc: str | None = Field(default=None, max_length=64, description="as ScanIn.epc (checked per scan)")

    def checked(self) -> ScanIn:
        try:
            return ScanIn.model_validate(self.model_dump(exclude={"idempotency_key"}))
        except ValidationError as error:
            faults = describe_faults(error.errors())
            raise Invalid("; ".join(faults), faults=faults) from None


class BatchIn(BaseModel):
    scans: list[BatchScan] = Field(max_length=MAX_BATCH)


class WeightIn(BaseModel):
    grams: Grams
    stable: bool = True
    measured_at: Moment | None = None


class HealthIn(BaseModel):
    device: Code | None = None
    state: Annotated[Code, one_of(("connected", "disconnected", "fault"), "the device's state")]
    detail: Note = ""
    last_seen: Moment | None = None


class AssignmentIn(BaseModel):
    mode: Annotated[Code, one_of(MODES, "what the scans are for")]
    ref_type: Code = ""
    ref_id: Code = ""


class ParsedScan(BaseModel):
    """What the barcode said, element by element (GS1 application identifiers where present)."""

    gtin: str | None
    serial: str | None
    lot: str | None
    sscc: str | None
    code: str | None
    symbology: str | None
    expiry: str | None


class ScanAnswer(BaseModel):
    """A recorded scan: what it was, what the device was doing, and what the step did (`data`)."""

    scan_id: int
    outcome: str = Field(description="accepted | rejected | recorded")
    kind: str
    mode: str
    message: str
    data: dict[str, Any] = Field(
        description="the step's answer: the next pick, the carton, an error code ..."
    )
    parsed: ParsedScan


class BatchResult(BaseModel):
    """One replayed scan: its key, its status, whether it had been seen, and its answer's fields."""

    model_config = ConfigDict(extra="allow")

    idempotency_key: str
    status: int
    replayed: bool


class BatchAnswer(BaseModel):
    results: list[BatchResult]


class ScanRecordPublic(BaseModel):
    id: int
    warehouse_id: int
    device_id: int | None
    user_id: int | None
    scanned_at: datetime
    received_at: datetime
    raw: str
    kind: str
    mode: str
    outcome: str
    message: str


class WeightReported(BaseModel):
    station: str
    grams: Decimal = Field(description='the grams recorded, as a decimal string ("1234.5")')
    stable: bool


class HealthReported(BaseModel):
    device: str
    state: str


class AssignmentPublic(BaseModel):
    mode: str
    ref_type: str
    ref_id: str
    state: dict[str, Any] = Field(
        default_factory=dict,
        description="the work in hand (at a pack station: the open carton's sscc and order)",
    )
