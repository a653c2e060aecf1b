"""Indexes for reads that must not grow with history: one SKU's ledger, one object's audit trail,
and the returns insight of a period (units graded or put away in it, returns authorised in it).

Without them, the ledger of a rarely moved SKU walked the whole ledger backwards by id, and the audit
of one object scanned the whole audit table.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_ledgerentry_item_history", "ledgerentry", ["warehouse_id", "item_id", "id"]),
    ("ix_auditentry_object", "auditentry", ["object_type", "object_id", "id"]),
    ("ix_return_unit_graded", "return_unit", ["warehouse_id", "graded_at"]),
    ("ix_return_unit_put_away", "return_unit", ["warehouse_id", "put_away_at"]),
    ("ix_return_authorisation_created", "return_authorisation", ["warehouse_id", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
