"""Keeps a station's input devices running: opens each by URL, reconnects with backoff, reports health.

Every value a driver emits is forwarded to one callback, with a `DeviceHealth` event whenever a
device's state changes (connected, disconnected, fault). A disconnected device is retried with
capped, jittered exponential backoff; the cap (1 s by default) bounds how long a re-plugged device
waits before it is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devices.errors import DeviceDisconnected, DeviceFault
from devices.health import DeviceHealth, HealthState
from devices.registry import SCHEMES, InputDriver, open_driver

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Retry delays: `initial * factor**attempt`, capped, with the top `jitter` share randomised."""

    initial: float = 0.05
    factor: float = 2.0
    cap: float = 1.0
    jitter: float = 0.5


def backoff_delay(attempt: int, backoff: Backoff, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry)."""
    ceiling = min(backoff.cap, backoff.initial * backoff.factor ** min(attempt, 64))
    return ceiling * (1 - backoff.jitter) + rng.random() * ceiling * backoff.jitter


@dataclass(frozen=True)
class DeviceSpec:
    """One device of a station: its id, its URL and driver options beyond the URL."""

    device_id: str
    url: str
    options: Mapping[str, Any] = field(default_factory=dict)


def health_changed(before: DeviceHealth | None, after: DeviceHealth) -> bool:
    """Whether `after` is news: a new state, or a fault or warning with a different reason."""
    if before is None or before.state != after.state:
        return True
    return (after.state == "fault" or after.warning) and before.detail != after.detail


class Supervisor:
    """Runs every device until cancelled; `health` holds each device's latest state."""

    def __init__(
        self,
        devices: Iterable[DeviceSpec] | Mapping[str, str],
        emit: Callable[[Any], Awaitable[None]],
        *,
        backoff: Backoff | None = None,
        schemes: Mapping[str, str] = SCHEMES,
        rng: random.Random | None = None,
        connected_after: float = 0.5,
    ) -> None:
        if isinstance(devices, Mapping):
            devices = [DeviceSpec(device_id, url) for device_id, url in devices.items()]
        self.devices = list(devices)
        self.emit = emit
        self.backoff = backoff or Backoff()
        self.schemes = schemes
        self.rng = rng or random.Random()
        # A driver that says nothing about its health counts as connected once it has run this long.
        self.connected_after = connected_after
        self.health: dict[str, DeviceHealth] = {}
        self.last_seen: dict[str, datetime] = {}

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for spec in self.devices:
                group.create_task(self.supervise(spec), name=f"device {spec.device_id}")

    async def _report(
        self, spec: DeviceSpec, state: HealthState, detail: str, *, warning: bool = False
    ) -> None:
        now = datetime.now(UTC)
        health = DeviceHealth(
            device=spec.device_id,
            url=spec.url,
            state=state,
            detail=detail,
            last_seen=self.last_seen.get(spec.device_id),
            at=now,
            warning=warning,
        )
        before = self.health.get(spec.device_id)
        self.health[spec.device_id] = health
        if health_changed(before, health):
            await self.emit(health)

    def _state(self, spec: DeviceSpec) -> HealthState | None:
        health = self.health.get(spec.device_id)
        return health.state if health else None

    async def supervise(self, spec: DeviceSpec) -> None:
        """Run one device forever: open, read, and on failure wait and open again."""
        attempt = 0
        while True:
            try:
                driver = open_driver(spec.url, device_id=spec.device_id, schemes=self.schemes, **spec.options)
            except (ValueError, ImportError, AttributeError) as exc:
                # A wrong URL or option is a configuration fault: retrying will not fix it.
                await self._report(spec, "fault", f"cannot use {spec.url}: {exc}")
                return
            try:
                await self._run_driver(spec, driver)
                state, detail = "disconnected", "driver stopped"
            except DeviceDisconnected as exc:
                state, detail = "disconnected", str(exc)
            except DeviceFault as exc:
                state, detail = "fault", str(exc)
            except Exception as exc:  # a driver bug must not stop the station's other devices
                log.exception("driver for %s failed", spec.device_id)
                state, detail = "fault", f"{type(exc).__name__}: {exc}"
            finally:
                with contextlib.suppress(Exception):
                    await driver.close()
            if self._state(spec) == "connected":
                attempt = 0  # it worked for a while: the next outage starts from the shortest delay
            await self._report(spec, state, detail)  # type: ignore[arg-type]
            await asyncio.sleep(backoff_delay(attempt, self.backoff, self.rng))
            attempt += 1

    async def _run_driver(self, spec: DeviceSpec, driver: InputDriver) -> None:
        forward = self._forwarder(spec)
        task = asyncio.create_task(driver.run(forward))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.connected_after)
            if not done and self._state(spec) != "connected":
                await self._report(spec, "connected", "running")
            await task
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _forwarder(self, spec: DeviceSpec) -> Callable[[Any], Awaitable[None]]:
        async def forward(event: Any) -> None:
            if isinstance(event, DeviceHealth):
                await self._report(spec, event.state, event.detail, warning=event.warning)
                return
            self.last_seen[spec.device_id] = getattr(event, "at", None) or datetime.now(UTC)
            if self._state(spec) != "connected":
                await self._report(spec, "connected", "sending")
            await self.emit(event)

        return forward
