"""Imports every area's tables so that SQLModel.metadata (and Alembic) see the whole schema."""

from wms.areas import modules

MODULES = modules("tables")
