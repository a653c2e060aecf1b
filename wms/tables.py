"""Imports every table module so that SQLModel.metadata (and Alembic) see the whole schema."""

from wms.fulfilment import tables as fulfilment_tables
from wms.identity import tables as identity_tables
from wms.inventory import tables as inventory_tables
from wms.platform import tables as platform_tables

MODULES = [inventory_tables, fulfilment_tables, identity_tables, platform_tables]
