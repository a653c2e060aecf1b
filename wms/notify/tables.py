"""Who drives each label printer: one server process at a time, by a lease it keeps renewing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class PrinterLease(SQLModel, table=True):
    """A printer's print jobs are sent by `holder` until `expires_at`; a process that dies lets go."""

    __tablename__ = "printer_lease"

    printer_url: str = Field(primary_key=True, max_length=500)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
