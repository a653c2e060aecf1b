"""The notify area plugs in: loads config/notifications.yaml; runs the outbox relay and the print spooler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from wms.context import Kaeru
from wms.notify.channel import Channel
from wms.notify.config import NotifyConfig, load
from wms.notify.email import SmtpChannel
from wms.notify.model import RetryPolicy
from wms.notify.printing import start_printing
from wms.notify.relay import Relay
from wms.notify.webhook import WebhookChannel

log = logging.getLogger(__name__)


def configure(kaeru: Kaeru) -> None:
    kaeru.extras["notify"] = load(kaeru.settings.config_dir, kaeru.settings)


def channels_for(kaeru: Kaeru, config: NotifyConfig) -> dict[str, Channel]:
    """Every channel this process can deliver: email, webhooks, and the live bus when it has one."""
    from wms.live.publish import LiveChannel

    channels: dict[str, Channel] = {
        "email": SmtpChannel(config.smtp, config.brand),
        "webhook": WebhookChannel(config.endpoints),
    }
    bus = kaeru.extras.get("live.bus")
    if bus is not None:
        channels["live"] = LiveChannel(bus)
    return channels  # "print" rows are the print spooler's (wms.notify.printing), not the relay's


def build_relay(kaeru: Kaeru) -> Relay:
    config: NotifyConfig = kaeru.extras.get("notify") or load(kaeru.settings.config_dir, kaeru.settings)
    live_policy = RetryPolicy(config.relay.live_max_attempts, base_seconds=0.2, cap_seconds=5)
    return Relay(
        kaeru.db,
        channels_for(kaeru, config),
        policy=config.retry,
        spec=config.relay,
        policies={"live": live_policy},
    )


async def close_channels(relay: Relay) -> None:
    for channel in relay.channels.values():
        close = getattr(channel, "close", None)
        if close is not None:
            await close()


async def start(app: FastAPI, kaeru: Kaeru) -> Callable[[], Awaitable[None]] | None:
    if not kaeru.settings.run_relay:
        return None
    config: NotifyConfig = kaeru.extras.get("notify") or load(kaeru.settings.config_dir, kaeru.settings)
    relay = build_relay(kaeru)
    task = asyncio.create_task(relay.run(), name="outbox relay")
    stop_printing = await start_printing(kaeru.db, config.printing) if config.printing.enabled else None

    async def stop() -> None:
        if stop_printing is not None:
            await stop_printing()
        relay.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, 10)
        await close_channels(relay)

    return stop
