"""The carriers worker: pending labels retried when their backoff runs out, and the tracking of
shipments on their way polled from the carriers (bounded batches), while the server runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from wms.carriers import labels
from wms.context import Kaeru

log = logging.getLogger(__name__)
RETRY_EVERY_S = 2.0
POLL_EVERY_S = 300.0  # carriers' tracking APIs are rate-limited; webhooks are the fast path


async def _work(kaeru: Kaeru, stopping: asyncio.Event) -> None:
    next_poll = time.monotonic() + POLL_EVERY_S
    while not stopping.is_set():
        try:
            await asyncio.to_thread(labels.retry_due, kaeru)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + POLL_EVERY_S
                await asyncio.to_thread(labels.poll_tracking, kaeru)
        except Exception:  # a worker that dies stops every retry: log it and carry on
            log.exception("carrier worker round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RETRY_EVERY_S)


async def start(app: FastAPI, kaeru: Kaeru) -> Callable[[], Awaitable[None]] | None:
    if not kaeru.settings.run_relay:
        return None
    stopping = asyncio.Event()
    task = asyncio.create_task(_work(kaeru, stopping), name="carrier labels and tracking")

    async def stop() -> None:
        stopping.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, 20)

    return stop
