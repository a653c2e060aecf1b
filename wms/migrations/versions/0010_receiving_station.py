"""The receiver's station: expiry dates on stock and on the ledger (first-expiry-first-out), bin
capacity for put-away suggestions, the reason for an over- or under-receipt, what a license plate
carries from the dock to its bin, and blind cycle-count tasks.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wms.db import UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

ADDED = (
    ("quant", sa.Column("expiry", sa.Date(), nullable=True)),
    ("ledgerentry", sa.Column("expiry", sa.Date(), nullable=True)),
    ("location", sa.Column("capacity", sa.Integer(), nullable=False, server_default="0")),
    ("purchaseorderline", sa.Column("variance_reason", sa.String(), nullable=False, server_default="")),
)


def upgrade() -> None:
    # Plain ADD/DROP COLUMN on both backends (SQLite 3.35+): a batch copy of a referenced table would
    # trip SQLite's foreign keys.
    for table, column in ADDED:
        op.add_column(table, column)
    op.create_table(
        "plate_content",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("license_plate_id", sa.Integer(), sa.ForeignKey("licenseplate.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.UniqueConstraint("license_plate_id", "item_id", "lot", "serial"),
    )
    op.create_index("ix_plate_content_license_plate_id", "plate_content", ["license_plate_id"])
    op.create_table(
        "count_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("warehouse_id", sa.Integer(), sa.ForeignKey("warehouse.id"), nullable=False),
        sa.Column("location_id", sa.Integer(), sa.ForeignKey("location.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("tolerance", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=True),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("ledger_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("counted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("counted_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
    )
    op.create_index("ix_count_task_warehouse_id", "count_task", ["warehouse_id"])


def downgrade() -> None:
    op.drop_index("ix_count_task_warehouse_id", table_name="count_task")
    op.drop_table("count_task")
    op.drop_index("ix_plate_content_license_plate_id", table_name="plate_content")
    op.drop_table("plate_content")
    for table, column in reversed(ADDED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
