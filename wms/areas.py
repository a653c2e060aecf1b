"""Kaeru's business areas, found by module name so that each area plugs itself in.

An area may have:
  <area>.tables  SQLModel tables (imported so SQLModel.metadata and Alembic see them);
  <area>.api     a module with `router` (an APIRouter) to mount;
  <area>.plugin  a module imported at start-up, which registers scan handlers and listeners, and may
                 define `configure(kaeru)` (load and validate its config/ files; raise ConfigError
                 to refuse start-up) and `async start(app, kaeru)` returning an async `stop()`
                 (background workers such as the outbox relay).
Every area listed must exist (a misspelt name fails start-up); an area need not have every module.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

AREAS = [
    "wms.merchants",
    "wms.identity",
    "wms.inventory",
    "wms.fulfilment",
    "wms.carriers",
    "wms.platform",
    "wms.scanning",
    "wms.returns",
    "wms.notify",
    "wms.live",
    "wms.delivery",
    "wms.shopper",
    "wms.insight",
    "wms.billing",
    "kiosk_ui",
]


def area_module(name: str) -> ModuleType | None:
    """`<area>.<kind>` if the area has that module; an area that does not exist is an error."""
    area = name.rsplit(".", 1)[0]
    if importlib.util.find_spec(area) is None:
        raise ModuleNotFoundError(f"area {area!r} is listed in wms.areas but does not exist")
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def modules(kind: str) -> list[ModuleType]:
    """The `<area>.<kind>` modules that exist, in area order."""
    return [m for m in (area_module(f"{area}.{kind}") for area in AREAS) if m is not None]
