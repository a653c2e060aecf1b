"""A station scale's latest reading is kept at the scale's own resolution, not in whole grams.

`station.last_weight_g` becomes NUMERIC(12, 3): 1234.5 g from a 0.1 g bench scale, a postal
scale's 0.1 oz steps to the milligram. Whole-gram readings already stored keep their value.
Downgrading rounds back to whole grams, half up.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.alter_column(
            "last_weight_g",
            existing_type=sa.Integer(),
            type_=sa.Numeric(12, 3),
            existing_nullable=True,
            postgresql_using="last_weight_g::numeric(12, 3)",
        )


def downgrade() -> None:
    # Whole grams, rounded half up (weights are never negative): PostgreSQL's ROUND on numeric rounds
    # halves away from zero; SQLite's CAST truncates, so half a gram is added first.
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "UPDATE station SET last_weight_g = CAST(last_weight_g + 0.5 AS INTEGER)"
            " WHERE last_weight_g IS NOT NULL"
        )
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.alter_column(
            "last_weight_g",
            existing_type=sa.Numeric(12, 3),
            type_=sa.Integer(),
            existing_nullable=True,
            postgresql_using="ROUND(last_weight_g)::integer",
        )
