"""Kaeru's business areas, found by module name so that each area plugs itself in.

An area may have:
  <area>.tables  SQLModel tables (imported so SQLModel.metadata and Alembic see them);
  <area>.api     a module with `router` (an APIRouter) to mount;
  <area>.plugin  a module imported at start-up, which registers scan handlers and listeners, and may
                 define `configure(kaeru)` (load and validate its config/ files; raise ConfigError
                 to refuse start-up) and `async start(app, kaeru)` returning an async `stop()`
                 (background workers such as the outbox relay).
An area whose package does not exist is skipped; one that exists but fails to import is an error.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

AREAS = [
    "wms.identity",
    "wms.inventory",
    "wms.fulfilment",
    "wms.platform",
    "wms.scanning",
    "wms.returns",
    "wms.notify",
    "wms.live",
    "wms.delivery",
    "wms.shopper",
    "wms.insight",
    "devices.printers.server",
    "kiosk_ui",
]


def area_module(name: str) -> ModuleType | None:
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)


def modules(kind: str) -> list[ModuleType]:
    """The `<area>.<kind>` modules that exist, in area order."""
    return [m for m in (area_module(f"{area}.{kind}") for area in AREAS) if m is not None]
