"""The outbox keeps one index for finding due messages: the single-column ones duplicated it.

Every live event is inserted, leased, settled and pruned; each index on the table is written at
each of those steps. (state, channel, next_attempt_at) serves the relay's claims, the print
spooler's open jobs and the pruning; nothing looks messages up by warehouse.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DROPPED = ("channel", "next_attempt_at", "state", "warehouse_id")


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        for column in DROPPED:
            batch_op.drop_index(f"ix_outboxmessage_{column}")


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        for column in DROPPED:
            batch_op.create_index(f"ix_outboxmessage_{column}", [column], unique=False)
