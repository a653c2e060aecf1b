"""Where what happened becomes what it causes: audit rows, dashboard events, shopper messages, jobs.

A use case records a domain event (a frozen dataclass named in the past tense, kept in its area's
`events.py`) with `<area>.effects.EFFECTS.record(session, principal, event)`. The area's `effects.py`
says in one short function per event what that event writes, through `Effects`. Everything is written
in the use case's own transaction (outbox rows, docs/architecture.md "Side effects"), so nothing is
sent unless the change commits, and nothing is sent from inside the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from wms.fulfilment.tables import Shopper
from wms.identity.model import Principal
from wms.platform import audit
from wms.platform.notify import notify_shopper
from wms.platform.outbox import enqueue, publish_live


@dataclass(frozen=True)
class Effects:
    """What an effect handler may write, bound to the use case's transaction and caller."""

    session: Session
    principal: Principal | None

    def audit(
        self, action: str, object_type: str, object_id: object, *, warehouse_id: int | None, **details: Any
    ) -> None:
        audit.record(
            self.session,
            self.principal,
            action=action,
            object_type=object_type,
            object_id=object_id,
            warehouse_id=warehouse_id,
            **details,
        )

    def live(self, topic: str, payload: dict[str, Any], *, warehouse_id: int | None) -> None:
        publish_live(self.session, topic=topic, payload=payload, warehouse_id=warehouse_id)

    def notify_shopper(
        self,
        topic: str,
        shopper: Shopper,
        context: dict[str, Any],
        *,
        warehouse_id: int | None,
        dedupe_key: str | None = None,
    ) -> None:
        notify_shopper(
            self.session,
            topic=topic,
            shopper=shopper,
            context=context,
            warehouse_id=warehouse_id,
            dedupe_key=dedupe_key,
        )

    def enqueue(
        self,
        channel: str,
        topic: str,
        payload: dict[str, Any],
        *,
        warehouse_id: int | None = None,
        message_id: str | None = None,
        merchant_id: int | None = None,
    ) -> str:
        return enqueue(
            self.session,
            channel=channel,
            topic=topic,
            payload=payload,
            warehouse_id=warehouse_id,
            message_id=message_id,
            merchant_id=merchant_id,
        )


Handler = Callable[[Effects, Any], None]


class EffectMap:
    """One area's events and the function that writes each one's effects, looked up by class."""

    def __init__(self, area: str, handlers: Mapping[type, Handler]) -> None:
        self.area, self.handlers = area, dict(handlers)

    def record(self, session: Session, principal: Principal | None, event: object) -> None:
        """Write the effects of `event` in the caller's transaction."""
        handler = self.handlers.get(type(event))
        if handler is None:  # a use case recording an event its area never mapped: a programming error
            raise LookupError(f"{self.area} has no effects for {type(event).__name__}")
        handler(Effects(session, principal), event)
