"""The notify area's tables: printer leases, and the index its relays claim outbox rows by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow
from wms.platform.tables import OutboxMessage


class PrinterLease(SQLModel, table=True):
    """A printer's print jobs are sent by `holder` until `expires_at`; a process that dies lets go."""

    __tablename__ = "printer_lease"

    printer_url: str = Field(primary_key=True, max_length=500)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The relays' claim query ("pending rows of my channels that are due, oldest first") on an outbox that
# keeps every delivered row: without this the database walks the delivered rows on every claim.
OUTBOX_DUE = Index(
    "ix_outbox_due",
    OutboxMessage.state,  # type: ignore[arg-type]
    OutboxMessage.channel,  # type: ignore[arg-type]
    OutboxMessage.next_attempt_at,  # type: ignore[arg-type]
)
