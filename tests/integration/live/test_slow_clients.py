"""A dashboard that stops reading is dropped with a reason, and never holds up the ones that read.

The floor is busy on a real Redis bus; one client's socket has a tiny receive buffer and is not read,
so the server's writes to it back up. The database plays no part here, so these run on SQLite only.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.floor import Floor
from tests.integration.live.test_dashboard_socket import _until, _ws, server
from wms.context import Kaeru
from wms.live.api import TOO_SLOW, LiveLimits
from wms.live.bus import Bus
from wms.live.publish import warehouse_channel

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
LIMITS = LiveLimits(max_per_second=20, max_pending=100_000, send_timeout=0.5, close_timeout=10)
BLOB = secrets.token_urlsafe(7_500)  # 10 kB that permessage-deflate cannot shrink much


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


async def _stuck_client(url: str, token: str) -> ClientConnection:
    """A dashboard that connects and then stops reading: tiny socket buffer, one frame of queue."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return await connect(_ws(url, token), sock=sock, max_queue=1, max_size=None, ping_interval=None)


@dataclass
class BusyFloor:
    bus: Bus  # the server's own bus: how many local clients are subscribed
    channel: str
    publisher: Bus
    published: int = 0
    seen: list[int] = field(default_factory=list)

    async def publish(self, n: int) -> None:
        event = {"topic": "bulk", "payload": {"n": n, "blob": BLOB}}
        await self.publisher.publish(self.channel, json.dumps(event))

    async def until_dropped(self, within: float = 15.0) -> None:
        """Publish ~4 MB/s of events until the server has let go of the stuck client."""
        deadline = time.monotonic() + within
        while self.bus.subscribers(self.channel) > 1:
            assert time.monotonic() < deadline, "the client that stopped reading was never dropped"
            for _ in range(20):
                await self.publish(self.published)
                self.published += 1
            await asyncio.sleep(0.05)


@asynccontextmanager
async def busy_floor(floor: Floor) -> AsyncIterator[tuple[BusyFloor, ClientConnection, ClientConnection]]:
    """A served app on a Redis bus with a stuck and a fast dashboard connected, the fast one read."""
    bus_url = f"redis://127.0.0.1:6379/0?namespace=t{uuid.uuid4().hex[:8]}"
    channel = warehouse_channel(floor.warehouse.id)
    with server(floor.kaeru, bus_url=bus_url, limits=LIMITS) as (url, served):
        busy = BusyFloor(served.extras["live.bus"], channel, Bus(bus_url))
        stuck = await _stuck_client(url, floor.tokens["manager"])
        async with connect(_ws(url, floor.tokens["manager"]), max_size=None, ping_interval=None) as fast:
            await _until(fast, lambda m: m["type"] == "snapshot")
            deadline = time.monotonic() + 5
            while busy.bus.subscribers(channel) < 2:
                assert time.monotonic() < deadline, "the stuck client never subscribed"
                await asyncio.sleep(0.02)

            async def read_fast() -> None:
                while True:
                    message = json.loads(await fast.recv())
                    busy.seen.extend(e["payload"]["n"] for e in message.get("events", []))

            reader = asyncio.create_task(read_fast())
            try:
                yield busy, stuck, fast
            finally:
                reader.cancel()
                await busy.publisher.disconnect()
                stuck.transport.abort()  # a closing handshake would wait behind what it never read


async def _read_until_closed(client: ClientConnection) -> None:
    while True:  # it reads again: what was queued for it, then the close
        await asyncio.wait_for(client.recv(), 5)


async def test_a_dashboard_that_stops_reading_does_not_hold_up_one_that_reads(floor: Floor) -> None:
    async with busy_floor(floor) as (busy, _stuck, _fast):
        await busy.until_dropped()
        marked = time.monotonic()
        await busy.publish(-1)
        while -1 not in busy.seen:
            assert time.monotonic() - marked < 1.0, "the reading dashboard was held up"
            await asyncio.sleep(0.01)
    assert busy.seen == [*range(busy.published), -1]  # nothing missed, in order
    assert busy.published >= 40  # the floor was busy before the stuck client was let go


async def test_a_dashboard_that_cannot_keep_up_is_closed_with_the_reason(floor: Floor) -> None:
    async with busy_floor(floor) as (busy, stuck, _fast):
        await busy.until_dropped()
        with pytest.raises(ConnectionClosed) as closed:
            await _read_until_closed(stuck)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == TOO_SLOW
    assert closed.value.rcvd.reason.startswith("too slow")
