"""What other areas (the shopper portal, the floor simulation, the benchmarks) call in returns.

A facade over the use-case modules (authorisation, intake, units, grading, putaway, resolution,
holds); inside returns, code imports those modules directly.
"""

from __future__ import annotations

from sqlmodel import Session

from wms.context import Kaeru
from wms.fulfilment.tables import Order
from wms.identity.model import Principal
from wms.returns import authorisation
from wms.returns.authorisation import NewReturnLine, ReturnRequest
from wms.returns.eligibility import assess_trust, order_eligibility, return_options
from wms.returns.queries import CONFIG_KEY, config_of, order_by_token
from wms.returns.tables import ReturnAuthorisation
from wms.returns.views import qr_payload, rma_code, rma_view

__all__ = [
    "CONFIG_KEY",
    "NewReturnLine",
    "assess_trust",
    "authorise",
    "config_of",
    "order_by_token",
    "order_eligibility",
    "qr_payload",
    "return_options",
    "rma_code",
    "rma_view",
]


def authorise(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal | None,
    order: Order,
    lines: list[NewReturnLine],
    channel: str,
) -> ReturnAuthorisation:
    """Authorise a return of some of an order's shipped units (see `authorisation.authorise`)."""
    request = ReturnRequest(order=order, lines=lines, channel=channel)
    return authorisation.authorise(session, kaeru=kaeru, principal=principal, request=request)
