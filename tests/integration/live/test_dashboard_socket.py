"""The dashboard WebSocket on a real server: snapshot, permissions, events through the relay, slow clients."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.floor import Floor
from tests.live_server import serve
from wms.app import create_app
from wms.context import Kaeru
from wms.live.api import LiveLimits


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


@contextmanager
def server(
    kaeru: Kaeru, *, bus_url: str = "memory://", limits: LiveLimits | None = None
) -> Iterator[tuple[str, Kaeru]]:
    """The app served by uvicorn on 127.0.0.1, with its relay running."""
    settings = kaeru.settings.model_copy(update={"run_relay": True, "live_bus_url": bus_url})
    served = Kaeru(settings=settings, site=kaeru.site, db=kaeru.db)
    if limits is not None:
        served.extras["live.limits"] = limits
    with serve(create_app(settings, kaeru=served)) as url:
        yield url, served


def _ws(url: str, token: str) -> str:
    return url.replace("http://", "ws://") + f"/api/v1/live?token={token}"


async def _until(client: ClientConnection, wanted: Any, within: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        message = json.loads(await asyncio.wait_for(client.recv(), max(0.01, deadline - time.monotonic())))
        if wanted(message):
            return message  # type: ignore[no-any-return]


async def test_a_manager_gets_a_snapshot_of_the_floor_on_connect(floor: Floor) -> None:
    floor.item("TEE-BLU-M")
    floor.receive("TEE-BLU-M", 5)
    floor.order("ORD-1", [("TEE-BLU-M", 1)])
    with server(floor.kaeru) as (url, _):
        async with connect(_ws(url, floor.tokens["manager"])) as client:
            snapshot = json.loads(await asyncio.wait_for(client.recv(), 5))
    assert snapshot["type"] == "snapshot"
    assert snapshot["warehouse"] == "WH1"
    assert snapshot["data"]["orders_by_state"] == {"reserved": 1}
    assert "RET-1-AGENT" in {d["device"] for d in snapshot["data"]["devices"]}
    assert len(snapshot["data"]["scans_per_minute"]) == 15


@pytest.mark.parametrize(("who", "code"), [("associate", 4403), ("not-a-token", 4401)])
async def test_only_managers_may_watch_the_floor(floor: Floor, who: str, code: int) -> None:
    token = floor.tokens.get(who, who)
    with server(floor.kaeru) as (url, _):
        async with connect(_ws(url, token)) as client:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(client.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


async def test_a_scan_reaches_the_dashboard_through_the_outbox_relay(floor: Floor) -> None:
    with server(floor.kaeru) as (url, _):
        async with connect(_ws(url, floor.tokens["manager"])) as client:
            await _until(client, lambda m: m["type"] == "snapshot")
            sent = time.monotonic()
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    f"{url}/api/v1/scans",
                    json={"raw": "LOC-A-01-1"},
                    headers={**floor.headers("picker"), "Idempotency-Key": str(uuid.uuid4())},
                )
            assert response.status_code in (200, 404, 422), response.text
            update = await _until(client, lambda m: "scan" in m.get("counts", {}))
            assert time.monotonic() - sent < 1.0
    assert update["counts"]["scan"]["total"] == 1
