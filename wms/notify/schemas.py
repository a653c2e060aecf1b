"""The print jobs' API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from wms.inputs import Code


class PrintJobPublic(BaseModel):
    id: str
    label: str = Field(description="shipping_label, return_label, grade_tag, ...")
    printer: str = Field(description="the printer's device code")
    state: str = Field(
        description="queued, waiting (the printer is not ready: see reason), printing, printed, failed"
    )
    reason: str = Field(description="why it waits or failed, in the printer's words")
    attempts: int
    created_at: datetime
    reprint_of: str | None = None


class ReprintIn(BaseModel):
    printer: Code | None = Field(
        default=None,
        description="another printer of the warehouse (its device code); omitted: the same printer",
    )
