"""Returns plugs into the server: its configuration (config/returns/) and carrier-event hooks.

What a returns station does with each scan is in wms/returns/scans.py.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from kaeru_config.files import ConfigError
from kaeru_config.merchants import MerchantSpec
from wms.context import Kaeru
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Shipment, TrackingEvent
from wms.identity.model import Principal
from wms.merchants.service import PROFILE_CHECKS
from wms.returns import queries, resolution
from wms.returns.policy import load_returns_config
from wms.returns.rules import ReturnsConfig, for_merchant


def check_merchant_policy(config: ReturnsConfig, merchant: MerchantSpec) -> None:
    """A merchant's returns policy and disposition rules over the site's: ValueError naming the fault."""
    try:
        for_merchant(config, merchant.returns_policy, merchant.disposition_rules)
    except ValidationError as exc:
        faults = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"returns_policy / disposition_rules: {faults}") from exc


def check_profile(kaeru: Kaeru, merchant: MerchantSpec) -> None:
    """A profile an admin sends through the API, checked against this server's returns configuration."""
    check_merchant_policy(queries.config_of(kaeru), merchant)


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
    config = load_returns_config(kaeru.settings.config_dir, kaeru.site)
    kaeru.extras[queries.CONFIG_KEY] = config
    for merchant in kaeru.site.merchants:  # each merchant's overrides checked at start-up too
        try:
            check_merchant_policy(config, merchant)
        except ValueError as exc:
            raise ConfigError(f"config/merchants/{merchant.code.lower()}.yaml: {exc}") from exc
    if check_profile not in PROFILE_CHECKS:
        PROFILE_CHECKS.append(check_profile)
    HOOKS.kaeru = kaeru
    if HOOKS.returns_tracking not in fulfilment.UNMATCHED_TRACKING_HANDLERS:
        fulfilment.UNMATCHED_TRACKING_HANDLERS.append(HOOKS.returns_tracking)
    if HOOKS.exchange_tracking not in fulfilment.TRACKING_LISTENERS:
        fulfilment.TRACKING_LISTENERS.append(HOOKS.exchange_tracking)
