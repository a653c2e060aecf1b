"""The shopper's side plugs into the server: config/shopper.yaml, delivery estimates on new orders and on
every carrier event, after-delivery scheduling, and a small worker that relearns transit times and sends
the after-delivery messages that fall due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import Session

from kaeru_config.site import ConfigError
from wms import delivery
from wms.context import Kaeru
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order, Shipment, TrackingEvent
from wms.platform.leader import Leadership
from wms.shopper import after_delivery, edd, learning
from wms.shopper.config import CONFIG_KEY, config_of, load_shopper_config

log = logging.getLogger(__name__)


class _Hooks:
    """The listeners of the most recently configured server.

    The fulfilment hook lists are module-level; a process that builds several apps (the tests do)
    re-binds these hooks instead of stacking one per app.
    """

    kaeru: Kaeru | None = None

    def order_created(self, session: Session, order: Order) -> None:
        if self.kaeru is not None:
            edd.promise(session, self.kaeru, order)

    def tracking(self, session: Session, shipment: Shipment, event: TrackingEvent) -> None:
        if self.kaeru is not None:
            edd.recompute(session, self.kaeru, shipment, event)
            after_delivery.schedule_after_delivery(session, self.kaeru, shipment)


HOOKS = _Hooks()


def configure(kaeru: Kaeru) -> None:
    """Load config/shopper.yaml and config/delivery.yaml (a bad file refuses start-up); hook into orders."""
    config = load_shopper_config(kaeru.settings.config_dir, kaeru.site)
    try:
        network = delivery.load_network(path=kaeru.settings.config_dir / "delivery.yaml")
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{kaeru.settings.config_dir / 'delivery.yaml'}: {exc}") from exc
    for ours, theirs in config.delivery.warehouses.items():
        if theirs not in network.warehouses:
            raise ConfigError(
                f"shopper.yaml: delivery.warehouses.{ours} is {theirs!r}, which delivery.yaml lacks"
            )
    kaeru.extras[CONFIG_KEY] = config
    # Until the worker has learned from delivered shipments, estimates rest on the configured tables.
    empty = delivery.learn_transit(network=network, records=[])
    kaeru.extras[edd.EDD_KEY] = edd.EddBrain(edd.EddState(network, empty, config.delivery, 0, edd.utcnow()))
    HOOKS.kaeru = kaeru
    if HOOKS.order_created not in fulfilment.ORDER_CREATED_LISTENERS:
        fulfilment.ORDER_CREATED_LISTENERS.append(HOOKS.order_created)
    if HOOKS.tracking not in fulfilment.TRACKING_LISTENERS:
        fulfilment.TRACKING_LISTENERS.append(HOOKS.tracking)


LEADER_KEY = "shopper.learning.leader"


def relearn(kaeru: Kaeru, *, settle_seconds: float | None = None) -> edd.EddState:
    """Count the deliveries not learned yet (in the one process that leads learning), then build the
    model from the kept counts and swap it in (in every process)."""
    brain = edd.brain_of(kaeru)
    names = config_of(kaeru).delivery
    leadership = kaeru.extras.setdefault(LEADER_KEY, Leadership(kaeru.db, "kaeru.delivery-learning"))
    if leadership.held():
        settle = names.settle_seconds if settle_seconds is None else settle_seconds
        learning.learn_new(kaeru, brain.state.network, names, settle_seconds=settle)
    state = learning.learned_state(kaeru, brain.state.network, names)
    brain.swap(state)
    return state


async def start(app: Any, kaeru: Kaeru) -> Callable[[], Awaitable[None]]:
    """Run the worker: relearn transit times now and then, send due after-delivery messages."""
    config = config_of(kaeru)
    stopping = asyncio.Event()

    async def loop() -> None:
        next_learning = 0.0
        while not stopping.is_set():
            try:
                if time.monotonic() >= next_learning:
                    state = await asyncio.to_thread(relearn, kaeru)
                    log.info("delivery estimates learned from %d delivered shipments", state.learned_from)
                    next_learning = time.monotonic() + config.delivery.relearn_minutes * 60
                await asyncio.to_thread(after_delivery.send_due, kaeru)
            except Exception:  # a worker must outlive a bad round; the next round retries
                log.exception("shopper worker round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=config.after_delivery.poll_seconds)

    task = asyncio.create_task(loop(), name="shopper-worker")

    async def stop() -> None:
        stopping.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()
        leadership = kaeru.extras.get(LEADER_KEY)
        if isinstance(leadership, Leadership):
            await asyncio.to_thread(leadership.release)

    return stop
