"""The station agent: a station's devices in, the server's scan-ingest API out, a durable queue between.

Every event the supervisor forwards (scan, arrived RFID tag, scale reading that is news, device
health) is written to the durable queue — fsync'd — before the driver's `emit` returns: that is
the moment an event counts as acknowledged. One sender task delivers the queue in order: leading
scans together through the batch endpoint, weights and health one at a time, each with the
idempotency key it was given when queued, so a retry after a lost answer is applied once. While the
server is unreachable (refused, timeout, 5xx) events keep queueing and the sender backs off; when
it answers again the backlog goes out in order. A 4xx is a final answer, logged and kept in the
queue file as rejected; a 401 stops the agent (its token is wrong), leaving the backlog on disk.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devices.agent.model import (
    Outcome,
    heartbeat_detail,
    input_devices,
    next_run,
    outgoing_for,
    summary,
    weight_is_news,
)
from devices.agent.queue import DurableQueue
from devices.agent.sender import BadToken, NotKaeru, ServerLink, Unreachable
from devices.registry import SCHEMES
from devices.scale import Weight
from devices.supervisor import Backoff, DeviceSpec, Supervisor, backoff_delay

log = logging.getLogger("devices.agent")


@dataclass(frozen=True)
class AgentOptions:
    batch_size: int = 500  # scans per batch request when replaying a backlog
    heartbeat: float = 30.0  # seconds between the agent's own health reports while idle
    retry: Backoff = field(default_factory=lambda: Backoff(initial=0.25, factor=2.0, cap=10.0, jitter=0.5))
    keep_delivered: int = 10_000  # delivered entries kept in the queue file for inspection


class StationAgent:
    """Runs one station's input devices and delivers what they report to the server."""

    def __init__(
        self,
        station: str,
        devices: Sequence[DeviceSpec],
        queue: DurableQueue,
        link: ServerLink,
        *,
        options: AgentOptions | None = None,
        schemes: Mapping[str, str] = SCHEMES,
        rng: random.Random | None = None,
    ) -> None:
        self.station = station
        self.queue = queue
        self.link = link
        self.options = options or AgentOptions()
        self.supervisor = Supervisor(devices, self.accept, schemes=schemes)
        self.rng = rng or random.Random()
        self.online: bool | None = None  # None: not known yet
        self.delivered = 0
        self.rejected = 0
        self._wake = asyncio.Event()
        self._last_weight: dict[str, Weight] = {}
        self._single_until = 0  # after a refused batch, scans up to this seq go one by one
        self._settled_since_prune = 0

    async def accept(self, event: object) -> None:
        """Take one device event: queue it durably (this is its acknowledgement) and wake the sender."""
        if isinstance(event, Weight):
            if not weight_is_news(self._last_weight.get(event.device), event):
                return
            self._last_weight[event.device] = event
        outgoing = outgoing_for(event)
        if outgoing is None:
            return
        entry = await asyncio.to_thread(self.queue.put, outgoing.kind, outgoing.body)
        log.info("queued #%d %s %s %s", entry.seq, entry.kind, entry.key, summary(entry.kind, entry.body))
        self._wake.set()

    async def run(self) -> None:
        """Read devices and deliver events until cancelled; BadToken or NotKaeru end it."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.supervisor.run(), name="devices")
                group.create_task(self.deliver_forever(), name="sender")
        except* (BadToken, NotKaeru) as failure:
            raise failure.exceptions[0] from None

    async def deliver_forever(self) -> None:
        """Send the queue in order, forever; back off while the server cannot be reached."""
        loop = asyncio.get_running_loop()
        attempt = 0
        next_heartbeat = loop.time()
        while True:
            if not self.online:
                try:
                    await self.link.check()
                except Unreachable as exc:
                    await self._wait_offline(str(exc), attempt)
                    attempt += 1
                    continue
                await self._back_online()
            self._wake.clear()  # before looking, so an event queued from here on wakes the wait below
            pending = await asyncio.to_thread(self.queue.pending, self.options.batch_size)
            if not pending:
                if loop.time() >= next_heartbeat:
                    if not await self._heartbeat(attempt):
                        attempt += 1
                        continue
                    next_heartbeat = loop.time() + self.options.heartbeat
                await _wait(self._wake, max(0.0, next_heartbeat - loop.time()))
                continue
            size = 1 if pending[0].seq <= self._single_until else self.options.batch_size
            run = next_run(pending, size)
            outcome = await self.link.deliver(run)
            await self._record(outcome)
            match outcome.rest:
                case None:
                    attempt = 0
                case "stop":
                    raise BadToken(f"{self.link.base_url} refused the agent's token (401)")
                case "split":
                    log.warning(
                        "batch of %d scans refused as a whole (%s): sending them one by one",
                        len(run),
                        outcome.reason,
                    )
                    self._single_until = run[-1].seq
                case _:
                    await self._wait_offline(outcome.reason, attempt)
                    attempt += 1

    async def _record(self, outcome: Outcome) -> None:
        if not outcome.settled:
            return
        await asyncio.to_thread(self.queue.settle, outcome.settled)
        for answer in outcome.settled:
            if answer.state == "delivered":
                self.delivered += 1
            else:
                self.rejected += 1
                log.warning("#%d refused by the server (%d): %s", answer.seq, answer.status, answer.message)
        self._settled_since_prune += len(outcome.settled)
        if self._settled_since_prune >= self.options.keep_delivered:
            self._settled_since_prune = 0
            await asyncio.to_thread(self.queue.prune, keep_delivered=self.options.keep_delivered)

    async def _heartbeat(self, attempt: int) -> bool:
        states = {code: health.state for code, health in self.supervisor.health.items()}
        detail = heartbeat_detail(self.station, await asyncio.to_thread(self.queue.count), states)
        result, reason = await self.link.heartbeat(detail)
        if result == "stop":
            raise BadToken(f"{self.link.base_url} refused the agent's token (401)")
        if result == "retry":
            await self._wait_offline(reason, attempt)
            return False
        if result == "rejected":
            log.warning("heartbeat refused by the server: %s", reason)
        return True

    async def _wait_offline(self, reason: str, attempt: int) -> None:
        delay = backoff_delay(attempt, self.options.retry, self.rng)
        if self.online is not False:
            pending = await asyncio.to_thread(self.queue.count)
            log.warning("server unreachable (%s); %d events queued on disk, retrying", reason, pending)
        else:
            log.debug("server still unreachable (%s); next try in %.2f s", reason, delay)
        self.online = False
        await asyncio.sleep(delay)

    async def _back_online(self) -> None:
        pending = await asyncio.to_thread(self.queue.count)
        if self.online is False:
            log.warning("server reachable again: sending %d queued events in order", pending)
        else:
            log.info("connected to %s; %d events queued", self.link.base_url, pending)
        self.online = True


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


def station_devices(
    config_dir: Path, station: str, overrides: Mapping[str, str] | None = None
) -> tuple[list[DeviceSpec], list[str]]:
    """The input devices of `station` as configured in `config_dir`/site.yaml (see model.input_devices)."""
    from kaeru_config.site import load_site

    site = load_site(config_dir)
    for spec in site.stations:
        if spec.code == station:
            return input_devices(((d.code, d.url) for d in spec.devices), overrides=overrides)
    known = ", ".join(s.code for s in site.stations) or "none"
    raise ValueError(f"no station {station!r} in {config_dir / 'site.yaml'} (stations: {known})")
