"""The notify area plugs in: loads config/notifications.yaml; runs the outbox relay and the print spooler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from wms.context import Kaeru
from wms.merchants.directory import directory_of
from wms.notify.channel import Channel
from wms.notify.config import Brand, Endpoint, NotifyConfig, brand_of, endpoints_of, load
from wms.notify.email import SmtpChannel
from wms.notify.model import RetryPolicy, topic_matches
from wms.notify.printing import start_printing
from wms.notify.relay import Relay
from wms.notify.webhook import WebhookChannel

log = logging.getLogger(__name__)


def configure(kaeru: Kaeru) -> None:
    kaeru.extras["notify"] = load(kaeru.settings.config_dir, kaeru.settings)
    for merchant in kaeru.site.merchants:  # secrets checked at start-up, as the site's are
        endpoints_of(merchant, kaeru.settings)


def channels_for(kaeru: Kaeru, config: NotifyConfig) -> dict[str, Channel]:
    """The shopper and brand channels: email and webhooks ("live" and "print" rows have their own workers).
    Each message wears its merchant's brand and goes to its merchant's endpoints."""
    merchants = MerchantChannels(kaeru)
    return {
        "email": SmtpChannel(config.smtp, merchants.brand, sends=merchants.sends),
        "webhook": WebhookChannel(config.endpoints, merchant_endpoints=merchants.endpoints),
    }


class MerchantChannels:
    """Each merchant's brand and endpoints, made once per version of its profile."""

    def __init__(self, kaeru: Kaeru) -> None:
        self._kaeru = kaeru
        self._brands: dict[tuple[int, int], Brand] = {}
        self._endpoints: dict[tuple[int, int], tuple[Endpoint, ...]] = {}

    def brand(self, merchant_id: int | None) -> Brand:
        profile = directory_of(self._kaeru).by_id(merchant_id)
        key = (profile.id, profile.version)
        if key not in self._brands:
            self._brands[key] = brand_of(profile.spec, self._kaeru.settings)
        return self._brands[key]

    def endpoints(self, merchant_id: int | None) -> tuple[Endpoint, ...]:
        profile = directory_of(self._kaeru).by_id(merchant_id)
        key = (profile.id, profile.version)
        if key not in self._endpoints:
            self._endpoints[key] = endpoints_of(profile.spec, self._kaeru.settings)
        return self._endpoints[key]

    def sends(self, merchant_id: int | None, topic: str) -> bool:
        patterns = directory_of(self._kaeru).by_id(merchant_id).spec.notifications.email_topics
        return topic_matches(topic, patterns)


def build_relays(kaeru: Kaeru) -> list[Relay]:
    """The relay for emails and webhooks, and the one for dashboard events when there is a live bus."""
    from wms.live.publish import LiveChannel

    config: NotifyConfig = kaeru.extras.get("notify") or load(kaeru.settings.config_dir, kaeru.settings)
    relays = [Relay(kaeru.db, channels_for(kaeru, config), policy=config.retry, spec=config.relay)]
    bus = kaeru.extras.get("live.bus")
    if bus is not None:
        spec = config.relay.model_copy(
            update={
                "batch_size": config.relay.live_batch_size,
                "concurrency": config.relay.live_batch_size,
                "lease_seconds": config.relay.live_lease_seconds,
                "min_claim_interval_seconds": config.relay.live_min_claim_interval_seconds,
                "keep_delivered_hours": config.relay.live_keep_delivered_hours,
                "keep_dead_hours": config.relay.live_keep_dead_hours,
                "hold_while_delivering": config.relay.live_hold_while_delivering,
            }
        )
        policy = RetryPolicy(config.relay.live_max_attempts, base_seconds=0.2, cap_seconds=5)
        relays.append(Relay(kaeru.db, {"live": LiveChannel(bus)}, policy=policy, spec=spec))
    return relays


async def close_channels(relay: Relay) -> None:
    for channel in relay.channels.values():
        close = getattr(channel, "close", None)
        if close is not None:
            await close()


async def start(app: FastAPI, kaeru: Kaeru) -> Callable[[], Awaitable[None]] | None:
    if not kaeru.settings.run_relay:
        return None
    config: NotifyConfig = kaeru.extras.get("notify") or load(kaeru.settings.config_dir, kaeru.settings)
    relays = build_relays(kaeru)
    tasks = [
        asyncio.create_task(relay.run(), name=f"outbox relay {'+'.join(relay.channels)}") for relay in relays
    ]
    stop_printing = await start_printing(kaeru.db, config.printing) if config.printing.enabled else None

    async def stop() -> None:
        if stop_printing is not None:
            await stop_printing()
        for relay in relays:
            relay.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks), 10)
        for relay in relays:
            await close_channels(relay)

    return stop
