"""The dashboard's WebSocket: /api/v1/live?token=...&warehouse=WH1 (managers only).

Messages sent, all JSON:
  {"type": "snapshot", "warehouse": "WH1", "at": iso, "data": {scans_per_minute, orders_by_state,
   devices, returns, ...}}                                   once, on connect
  {"type": "update", "at": iso, "events": [event...], "latest": {topic: [event...]},
   "counts": {topic: {"total": n, <group>: n}}}              at most `max_per_second` a second
where an event is {"id", "topic", "payload", "at", "warehouse_id"}; counts are increments since the
previous message (see wms.live.coalesce for which topic is merged how).
Closing codes: 4401 bad token, 4403 not allowed, 4404 unknown warehouse, 4422 bad request,
1013 dropped because the client could not keep up (it may reconnect and get a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from wms.auth import KaeruDep, require
from wms.context import Kaeru
from wms.db import utcnow
from wms.error_status import status_of
from wms.errors import KaeruError
from wms.identity.model import Principal
from wms.inputs import Code
from wms.live.bus import Bus, Event
from wms.live.coalesce import Coalescer, send_delay
from wms.live.publish import ALL_WAREHOUSES, warehouse_channel
from wms.live.queries import authorise, watched_warehouse
from wms.live.schemas import LiveSummary
from wms.live.snapshot import snapshot

router = APIRouter(prefix="/api/v1", tags=["live"])
Watcher = Annotated[Principal, Depends(require("dashboard.view"))]
TOO_SLOW = 1013


@dataclass(frozen=True)
class LiveLimits:
    max_per_second: float = 10.0  # messages to one client; events in between are merged
    max_pending: int = 1000  # events waiting for one client before it is dropped
    send_timeout: float = 5.0  # seconds one message may take to go out before the client is dropped
    close_timeout: float = 10.0  # seconds a dropped client has to take in what is queued and the close


class DashboardClient:
    """One connected dashboard: merges bus events and sends them no faster than it can take them."""

    def __init__(self, websocket: WebSocket, limits: LiveLimits) -> None:
        self.websocket = websocket
        self.limits = limits
        self.coalescer = Coalescer(max_pending=limits.max_pending)
        self.pending = asyncio.Event()
        self.dropped: str | None = None

    def receive(self, event: Event) -> None:
        """Bus callback: never blocks, whatever the state of this client's connection.

        It only merges the event into this client's own bounded pending update; sending is this
        client's own task (`pump`), so a client that does not read holds up nobody but itself.
        """
        if self.dropped:
            return
        data = event.data  # decoded once per event for all local clients
        if not isinstance(data, dict):
            return
        if not self.coalescer.add(data, event.message):
            self.dropped = f"too slow: more than {self.limits.max_pending} events waiting"
        self.pending.set()

    async def pump(self) -> str:
        """Send merged updates until the client falls too far behind; returns why it was dropped."""
        loop = asyncio.get_running_loop()
        last_sent = float("-inf")
        while True:
            await self.pending.wait()
            delay = send_delay(
                now=loop.time(), last_sent=last_sent, max_per_second=self.limits.max_per_second
            )
            if delay > 0:
                await asyncio.sleep(delay)
            self.pending.clear()
            if self.dropped:
                return self.dropped
            message = self.coalescer.take_message(utcnow().isoformat())
            if message is None:
                continue
            try:
                await asyncio.wait_for(self.websocket.send_text(message), self.limits.send_timeout)
            except TimeoutError:
                self.dropped = f"too slow: a message took over {self.limits.send_timeout:g} s to send"
                return self.dropped
            last_sent = loop.time()


async def _until_disconnect(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


@router.websocket("/live")
async def live(websocket: WebSocket, token: str = "", warehouse: str | None = None) -> None:
    """The live floor: a snapshot, then merged events of one warehouse."""
    kaeru: Kaeru = websocket.app.state.kaeru
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header.split(" ", 1)[1].strip()
    await websocket.accept()
    try:
        _principal, site = await asyncio.to_thread(authorise, kaeru, token, warehouse)
    except KaeruError as exc:
        await websocket.close(code=4000 + status_of(exc), reason=exc.message[:120])
        return
    bus: Bus = kaeru.extras["live.bus"]
    limits: LiveLimits = kaeru.extras.get("live.limits", LiveLimits())
    client = DashboardClient(websocket, limits)
    dropped: str | None = None
    async with bus.subscribe([warehouse_channel(site.id), ALL_WAREHOUSES], client.receive):
        data = await asyncio.to_thread(_snapshot, kaeru, site.id or 0)
        await websocket.send_json(
            {"type": "snapshot", "warehouse": site.code, "at": utcnow().isoformat(), "data": data}
        )
        pump = asyncio.create_task(client.pump())
        gone = asyncio.create_task(_until_disconnect(websocket))
        done, _ = await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (pump, gone):
            task.cancel()
        if pump in done and not pump.cancelled() and pump.exception() is None:
            dropped = pump.result()
    if dropped is not None:
        # Off the bus already, so a dropped client costs nothing while its close frame waits behind what
        # it has not read yet; a client that never reads again is left to the server's transport.
        with contextlib.suppress(TimeoutError, RuntimeError, WebSocketDisconnect, OSError):
            await asyncio.wait_for(websocket.close(code=TOO_SLOW, reason=dropped[:120]), limits.close_timeout)


@router.get(
    "/live/summary",
    response_model=LiveSummary,
    summary="The floor's figures now (what the live socket sends first), counted in the database",
)
def summary(
    kaeru: KaeruDep,
    principal: Watcher,
    warehouse: Annotated[Code | None, Query(description="warehouse code")] = None,
) -> Any:
    with kaeru.db.read() as session:
        site = watched_warehouse(session, principal, warehouse)
        return {"warehouse": site.code, "at": utcnow().isoformat(), "data": snapshot(session, site.id or 0)}


def _snapshot(kaeru: Kaeru, warehouse_id: int) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return snapshot(session, warehouse_id)
