"""Waiting in tests: poll for the thing itself, never sleep a fixed time and hope.

`wait_until` (threads, processes, files) and `eventually` (inside an event loop) return as soon as
the condition holds and fail with a message naming what did not happen. A fixed sleep is kept only
where a test proves that something does NOT happen within a window (a duplicate, a retry).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], *, within: float = 10.0, every: float = 0.02, what: str = "condition"
) -> T:
    """The condition's first truthy value, polled every `every` seconds for at most `within`."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        time.sleep(every)


async def eventually(
    condition: Callable[[], T | Awaitable[T]],
    *,
    within: float = 10.0,
    every: float = 0.02,
    what: str = "condition",
    in_thread: bool = False,
) -> T:
    """`wait_until` for the event loop: the condition may be a coroutine function, or blocking
    (`in_thread=True`: it reads other processes' files or databases)."""
    deadline = time.monotonic() + within
    while True:
        if in_thread:
            value = await asyncio.to_thread(condition)
        else:
            value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(every)
