"""Returns plugs into the server: its configuration (config/returns/) and carrier-event hooks.

What a returns station does with each scan is in wms/returns/scans.py.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from wms.context import Kaeru
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Shipment, TrackingEvent
from wms.identity.model import Principal
from wms.returns import queries, resolution
from wms.returns.policy import load_returns_config


class _Hooks:
    """The carrier-event hooks of the most recently configured server.

    The fulfilment hook lists are module-level; a process that builds several apps (the tests do)
    re-binds the one returns hook instead of stacking a hook per app.
    """

    kaeru: Kaeru | None = None

    def returns_tracking(self, session: Session, principal: Principal, event: dict[str, Any]) -> bool:
        return self.kaeru is not None and resolution.on_return_tracking(session, principal, event, self.kaeru)

    def exchange_tracking(self, session: Session, shipment: Shipment, event: TrackingEvent) -> None:
        if self.kaeru is not None:
            resolution.on_exchange_tracking(session, shipment, event, self.kaeru)


HOOKS = _Hooks()


def configure(kaeru: Kaeru) -> None:
    """Load and check config/returns/ (a bad file refuses start-up) and hook into carrier events."""
    kaeru.extras[queries.CONFIG_KEY] = load_returns_config(kaeru.settings.config_dir, kaeru.site)
    HOOKS.kaeru = kaeru
    if HOOKS.returns_tracking not in fulfilment.UNMATCHED_TRACKING_HANDLERS:
        fulfilment.UNMATCHED_TRACKING_HANDLERS.append(HOOKS.returns_tracking)
    if HOOKS.exchange_tracking not in fulfilment.TRACKING_LISTENERS:
        fulfilment.TRACKING_LISTENERS.append(HOOKS.exchange_tracking)
