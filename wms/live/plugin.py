"""The live area plugs in: one bus per server process (from KAERU_LIVE_BUS_URL), connected at start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from kaeru_config.site import ConfigError
from wms.context import Kaeru
from wms.live.api import LiveLimits
from wms.live.bus import Bus


def configure(kaeru: Kaeru) -> None:
    if "live.bus" not in kaeru.extras:
        try:
            kaeru.extras["live.bus"] = Bus(kaeru.settings.live_bus_url)
        except ValueError as exc:
            raise ConfigError(f"KAERU_LIVE_BUS_URL: {exc}") from exc
    kaeru.extras.setdefault("live.limits", LiveLimits())


async def start(app: FastAPI, kaeru: Kaeru) -> Callable[[], Awaitable[None]]:
    bus: Bus = kaeru.extras["live.bus"]
    await bus.connect()

    async def stop() -> None:
        await bus.disconnect()

    return stop
