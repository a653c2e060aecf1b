"""The platform plugs in: config/retention.yaml, and the maintenance job run by one server process at a
time (wms/platform/leader.py) with the other background workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from wms.context import Kaeru
from wms.platform import retention
from wms.platform.leader import Leadership
from wms.platform.model import RetentionPolicy

log = logging.getLogger(__name__)
MAINTENANCE_LOCK = "kaeru.maintenance"


def configure(kaeru: Kaeru) -> None:
    kaeru.extras[retention.POLICY_KEY] = retention.load_policy(kaeru.settings.config_dir)


def policy_of(kaeru: Kaeru) -> RetentionPolicy:
    policy = kaeru.extras.get(retention.POLICY_KEY)
    return policy if isinstance(policy, RetentionPolicy) else retention.load_policy(kaeru.settings.config_dir)


async def start(app: Any, kaeru: Kaeru) -> Callable[[], Awaitable[None]] | None:
    """Prune now and then, in the one process that leads maintenance (with the relay's background work)."""
    if not kaeru.settings.run_relay:
        return None
    policy = policy_of(kaeru)
    leadership = Leadership(kaeru.db, MAINTENANCE_LOCK)
    stopping = asyncio.Event()

    async def loop() -> None:
        wait = policy.first_after_seconds
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=wait)
            if stopping.is_set():
                break
            wait = policy.every_minutes * 60
            try:
                if await asyncio.to_thread(leadership.held):
                    await asyncio.to_thread(retention.prune, kaeru.db, policy, stop=stopping.is_set)
            except Exception:  # a worker must outlive a bad round; the next round retries
                log.exception("maintenance round failed")

    task = asyncio.create_task(loop(), name="maintenance")

    async def stop() -> None:
        stopping.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()
        await asyncio.to_thread(leadership.release)

    return stop
