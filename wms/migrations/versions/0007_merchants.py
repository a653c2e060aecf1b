"""Merchants: the owners of stock, orders, returns and shoppers on a shared floor.

Creates the `merchant` table and one merchant, MAIN, that everything already in the database belongs
to (`kaeru db upgrade` then gives it the code and profile of the configured default merchant). Every
owned table gains `merchant_id`, filled with MAIN's id; a SKU becomes unique per merchant. On
PostgreSQL the column is added with a constant default, which does not rewrite the table, and the
default is dropped after. Downgrading is refused while a second merchant owns anything: one merchant's
SKUs and shoppers could not be told from another's.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import wms.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table -> (indexed, foreign key, nullable)
OWNED = {
    "item": (True, True, False),
    "quant": (True, True, False),
    "ledgerentry": (True, True, False),
    "purchaseorder": (True, True, False),
    "shopper": (True, True, False),
    "sales_order": (True, True, False),
    "return_authorisation": (True, True, False),
    "return_parcel": (True, True, False),
    "return_unit": (True, True, False),
    "return_hold": (True, True, False),
    "money_movement": (True, True, False),
    "delivery_claim": (True, True, False),
    "shopify_webhook_receipt": (False, True, True),
    "scheduled_message": (False, True, True),
    "outboxmessage": (False, False, True),
}


def upgrade() -> None:
    op.create_table(
        "merchant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("config_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", wms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_code"), ["code"], unique=True)
    merchant = sa.table(
        "merchant",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("is_default", sa.Boolean),
        sa.column("profile", sa.JSON),
        sa.column("config_digest", sa.String),
        sa.column("version", sa.Integer),
        sa.column("created_at", wms.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", wms.db.UTCDateTime(timezone=True)),
    )
    now = wms.db.utcnow()
    op.bulk_insert(
        merchant,
        [
            {
                "code": "MAIN",
                "name": "Main",
                "is_default": True,
                "profile": {"brand": {"name": "Kaeru"}},
                "config_digest": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    main_id = op.get_bind().execute(sa.text("SELECT id FROM merchant WHERE code = 'MAIN'")).scalar_one()
    for table, (indexed, foreign, nullable) in OWNED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("merchant_id", sa.Integer(), nullable=nullable, server_default=sa.text(str(main_id)))
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("merchant_id", existing_type=sa.Integer(), server_default=None)
            if indexed:
                batch_op.create_index(batch_op.f(f"ix_{table}_merchant_id"), ["merchant_id"], unique=False)
            if foreign:
                batch_op.create_foreign_key(f"fk_{table}_merchant_id", "merchant", ["merchant_id"], ["id"])
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_sku"))
        batch_op.create_index(batch_op.f("ix_item_sku"), ["sku"], unique=False)
        batch_op.create_unique_constraint("uq_item_merchant_id_sku", ["merchant_id", "sku"])
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merchant_ids", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("merchant_ids", existing_type=sa.JSON(), server_default=None)
    op.create_table(
        "shared_fraud_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", wms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shared_fraud_signal_lookup", "shared_fraud_signal", ["warehouse_id", "fingerprint"])


def downgrade() -> None:
    bind = op.get_bind()
    owners = bind.execute(sa.text("SELECT COUNT(DISTINCT merchant_id) FROM item")).scalar_one()
    if owners > 1:
        raise RuntimeError("cannot downgrade below 0007: more than one merchant owns items")
    op.drop_index("ix_shared_fraud_signal_lookup", table_name="shared_fraud_signal")
    op.drop_table("shared_fraud_signal")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("merchant_ids")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_item_merchant_id_sku", type_="unique")
        batch_op.drop_index(batch_op.f("ix_item_sku"))
        batch_op.create_index(batch_op.f("ix_item_sku"), ["sku"], unique=True)
    for table, (indexed, foreign, _nullable) in OWNED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if foreign:
                batch_op.drop_constraint(f"fk_{table}_merchant_id", type_="foreignkey")
            if indexed:
                batch_op.drop_index(batch_op.f(f"ix_{table}_merchant_id"))
            batch_op.drop_column("merchant_id")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_code"))
    op.drop_table("merchant")
