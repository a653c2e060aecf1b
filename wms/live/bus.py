"""A publish/subscribe bus for live floor events, in the manner of encode/broadcaster.

Publishers name a channel; subscribers register a callback for channels. The backend is chosen by
URL scheme: `memory://` (one process), `redis://` (Redis pub/sub), `postgres://` (LISTEN/NOTIFY).
A process holds one backend connection however many WebSocket clients it serves: the bus fans
events out to local subscribers itself, by calling their callbacks, which must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
import redis.asyncio as aioredis
from psycopg import sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    channel: str
    message: str

    @cached_property
    def data(self) -> Any:
        """The message decoded from JSON once, however many local subscribers read it (None if not JSON)."""
        try:
            return json.loads(self.message)
        except ValueError:
            return None


Receiver = Callable[[Event], None]


class Backend(Protocol):
    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None: ...
    async def next_published(self) -> Event: ...


class MemoryBackend:
    """In-process only: what one server process publishes, its own subscribers receive."""

    def __init__(self, url: str) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue()

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        return None

    async def subscribe(self, channel: str) -> None:
        return None

    async def unsubscribe(self, channel: str) -> None:
        return None

    async def publish(self, channel: str, message: str) -> None:
        self._queue.put_nowait(Event(channel, message))

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        for channel, message in items:
            self._queue.put_nowait(Event(channel, message))

    async def next_published(self) -> Event:
        return await self._queue.get()


class RedisBackend:
    """Redis pub/sub: one connection for publishing (pooled), one for all subscriptions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._subscribed = asyncio.Event()

    async def connect(self) -> None:
        self._client = aioredis.from_url(self.url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        # Take the subscription connection now: redis-py opens it lazily on the first SUBSCRIBE, and two
        # first subscriptions racing there each open one, leaving a channel on a connection nobody reads.
        await self._pubsub.connect()

    async def disconnect(self) -> None:
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()

    def _subscriber(self) -> Any:
        if self._pubsub is None:
            raise RuntimeError("the Redis live bus is not connected")
        return self._pubsub

    def _redis(self) -> Any:
        if self._client is None:
            raise RuntimeError("the Redis live bus is not connected")
        return self._client

    async def subscribe(self, channel: str) -> None:
        await self._subscriber().subscribe(channel)
        self._subscribed.set()

    async def unsubscribe(self, channel: str) -> None:
        await self._subscriber().unsubscribe(channel)

    async def publish(self, channel: str, message: str) -> None:
        await self._redis().publish(channel, message)

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        """One round trip on one connection for a whole batch (not one pooled connection per event)."""
        async with self._redis().pipeline(transaction=False) as pipe:
            for channel, message in items:
                pipe.publish(channel, message)
            await pipe.execute()

    async def next_published(self) -> Event:
        pubsub = self._subscriber()
        while True:
            await self._subscribed.wait()
            # Block without a read timeout: a timeout firing in the middle of a large message would leave
            # the connection's parser half-way through it.
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            if message is not None and message.get("type") == "message":
                channel, data = message["channel"], message["data"]
                return Event(
                    channel.decode() if isinstance(channel, bytes) else str(channel),
                    data.decode() if isinstance(data, bytes) else str(data),
                )


class PostgresBackend:
    """PostgreSQL LISTEN/NOTIFY: payloads up to 8000 bytes; channels are SQL identifiers."""

    def __init__(self, url: str) -> None:
        rest = url.split("://", 1)[1]
        self.conninfo = "postgresql://" + rest
        self._listener: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._publisher: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._publish_lock = asyncio.Lock()
        self._changes: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._received: asyncio.Queue[Event] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._listener = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        self._publisher = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        self._reader = asyncio.create_task(self._read(), name="live bus LISTEN")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for conn in (self._listener, self._publisher):
            if conn is not None:
                await conn.close()

    async def _read(self) -> None:
        # LISTEN/UNLISTEN are applied between short waits for notifications on the same connection.
        listener = self._listener
        if listener is None:
            raise RuntimeError("the PostgreSQL live bus is not connected")
        while True:
            while not self._changes.empty():
                verb, channel = self._changes.get_nowait()
                await listener.execute(sql.SQL(verb + " {}").format(sql.Identifier(channel)))
            async for notify in listener.notifies(timeout=0.2):
                self._received.put_nowait(Event(notify.channel, notify.payload))

    async def subscribe(self, channel: str) -> None:
        self._changes.put_nowait(("LISTEN", channel))

    async def unsubscribe(self, channel: str) -> None:
        self._changes.put_nowait(("UNLISTEN", channel))

    def _notifier(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self._publisher is None:
            raise RuntimeError("the PostgreSQL live bus is not connected")
        return self._publisher

    async def publish(self, channel: str, message: str) -> None:
        publisher = self._notifier()
        async with self._publish_lock:
            await publisher.execute("SELECT pg_notify(%s, %s)", (channel, message))

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        publisher = self._notifier()
        async with self._publish_lock, publisher.transaction():
            for channel, message in items:
                await publisher.execute("SELECT pg_notify(%s, %s)", (channel, message))

    async def next_published(self) -> Event:
        return await self._received.get()


BACKENDS: dict[str, Callable[[str], Backend]] = {
    "memory": MemoryBackend,
    "redis": RedisBackend,
    "rediss": RedisBackend,
    "postgres": PostgresBackend,
    "postgresql": PostgresBackend,
}


def backend_for(url: str) -> Backend:
    scheme = urlsplit(url).scheme
    try:
        return BACKENDS[scheme](url)
    except KeyError:
        raise ValueError(
            f"unknown live bus URL {url!r}; use one of: {', '.join(s + '://' for s in BACKENDS)}"
        ) from None


def split_namespace(url: str) -> tuple[str, str]:
    """`redis://h/0?namespace=site-a` -> ("redis://h/0", "site-a_"): sites sharing one server stay apart."""
    base, _, query = url.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    namespace = "".join(value for key, value in pairs if key == "namespace")
    rest = urlencode([(key, value) for key, value in pairs if key != "namespace"])
    return (f"{base}?{rest}" if rest else base), (namespace + "_" if namespace else "")


class Bus:
    """Channels, subscribers and one backend connection per process; connects on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        backend_url, self.namespace = split_namespace(url)
        self.backend = backend_for(backend_url)
        self._receivers: dict[str, list[Receiver]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._changing = asyncio.Lock()
        self._connected = False

    async def connect(self) -> None:
        async with self._lock:
            if self._connected:
                return
            await self.backend.connect()
            self._reader = asyncio.create_task(self._read(), name="live bus")
            self._connected = True

    async def disconnect(self) -> None:
        async with self._lock:
            if not self._connected:
                return
            self._connected = False
            if self._reader is not None:
                self._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reader
            await self.backend.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        await self.connect()
        await self.backend.publish(self.namespace + channel, message)

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        """Publish several (channel, message) pairs at once, in order."""
        if items:
            await self.connect()
            await self.backend.publish_many(
                [(self.namespace + channel, message) for channel, message in items]
            )

    @contextlib.asynccontextmanager
    async def subscribe(self, channels: Sequence[str], receive: Receiver) -> AsyncIterator[None]:
        """Call `receive(event)` for every event on `channels` until the block ends."""
        await self.connect()
        try:
            # One change to the backend's subscriptions at a time: a second subscriber to a channel whose
            # first SUBSCRIBE is still under way waits for it instead of racing it.
            async with self._changing:
                for channel in channels:
                    receivers = self._receivers.setdefault(channel, [])
                    if not receivers:
                        await self.backend.subscribe(self.namespace + channel)
                    receivers.append(receive)
            yield
        finally:
            async with self._changing:
                for channel in channels:
                    receivers = self._receivers.get(channel, [])
                    if receive in receivers:
                        receivers.remove(receive)
                    if not receivers and channel in self._receivers:
                        del self._receivers[channel]
                        if self._connected:
                            await self.backend.unsubscribe(self.namespace + channel)

    def subscribers(self, channel: str) -> int:
        return len(self._receivers.get(channel, []))

    async def _read(self) -> None:
        while True:
            try:
                event = await self.backend.next_published()
            except (OSError, aioredis.RedisError, psycopg.Error) as exc:
                log.warning("live bus %s lost (%s); reconnecting", self.url, exc)
                await self._reconnect()
                continue
            channel = event.channel.removeprefix(self.namespace)
            local = Event(channel, event.message)
            for receive in list(self._receivers.get(channel, ())):
                try:
                    receive(local)
                except Exception:  # one faulty subscriber must not starve the others
                    log.exception("live bus subscriber failed on %s", channel)

    async def _reconnect(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.backend.disconnect()
                await self.backend.connect()
                for channel in list(self._receivers):
                    await self.backend.subscribe(self.namespace + channel)
                return
            except (OSError, aioredis.RedisError, psycopg.Error) as exc:
                log.warning("live bus %s still unreachable: %s", self.url, exc)
