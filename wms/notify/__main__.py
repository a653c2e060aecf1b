"""Run the outbox relay and print spooler on their own: `python -m wms.notify` (KAERU_* settings).

Several relays may run against one PostgreSQL database; they never deliver the same message at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from kaeru_config.settings import get_settings
from wms.context import Kaeru
from wms.live import plugin as live_plugin
from wms.notify import plugin
from wms.notify.printing import start_printing


async def main() -> None:
    kaeru = Kaeru.from_settings(get_settings())
    plugin.configure(kaeru)
    live_plugin.configure(kaeru)
    bus = kaeru.extras["live.bus"]
    relays = plugin.build_relays(kaeru)
    config = kaeru.extras["notify"]
    stop_printing = await start_printing(kaeru.db, config.printing) if config.printing.enabled else None
    loop = asyncio.get_running_loop()

    def stop_all() -> None:
        for relay in relays:
            relay.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_all)
    try:
        await asyncio.gather(*(relay.run() for relay in relays))
    finally:
        if stop_printing is not None:
            await stop_printing()
        for relay in relays:
            await plugin.close_channels(relay)
        await bus.disconnect()
        kaeru.db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main())
