"""Run the outbox relay on its own: `python -m wms.notify` (settings from KAERU_* variables).

Several relays may run against one PostgreSQL database; they never deliver the same message at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from wms.context import Kaeru
from wms.live import plugin as live_plugin
from wms.notify import plugin
from wms.settings import get_settings


async def main() -> None:
    kaeru = Kaeru.from_settings(get_settings())
    plugin.configure(kaeru)
    live_plugin.configure(kaeru)
    bus = kaeru.extras["live.bus"]
    relay = plugin.build_relay(kaeru)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, relay.stop)
    try:
        await relay.run()
    finally:
        await plugin.close_channels(relay)
        await bus.disconnect()
        kaeru.db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main())
