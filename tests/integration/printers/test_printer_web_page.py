"""The simulated printers' web page lists what they printed, newest first, and switches faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from simulators.printers.cli import Running, serve

LABEL = b"^XA^FO50,50^BY2^BCN,100,Y,N,N^FD%s^FS^XZ"


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

    async def ready(where: Running) -> None:
        started.set_result(where)

    task = asyncio.create_task(serve(zpl_port=0, escpos_port=0, web_port=0, ready=ready))
    where = await asyncio.wait_for(started, 5)
    async with httpx.AsyncClient(base_url=str(where.web_url)) as client:
        for _ in range(100):
            try:
                await client.get("/api/printers")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    yield where
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def print_zpl(url: str, data: bytes) -> None:
    host, port = url.removeprefix("tcp://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    writer.close()


async def labels(client: httpx.AsyncClient, count: int) -> list[dict[str, object]]:
    async with asyncio.timeout(5):
        while True:
            listed = (await client.get("/api/labels")).json()
            if len(listed) >= count:
                return list(listed)
            await asyncio.sleep(0.05)


async def test_the_page_shows_printed_labels_newest_first_with_their_pictures(running: Running) -> None:
    assert running.zpl_url is not None
    await print_zpl(running.zpl_url, LABEL % b"LPN-FIRST")
    async with httpx.AsyncClient(base_url=str(running.web_url)) as client:
        await labels(client, 1)
        await print_zpl(running.zpl_url, LABEL % b"LPN-SECOND")
        newest, oldest = await labels(client, 2)
        page = (await client.get("/")).text
        picture = await client.get(str(newest["png"]))
    assert page.index('id="label-2"') < page.index('id="label-1"')
    assert picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    assert (newest["number"], oldest["number"]) == (2, 1)


async def test_faults_are_switched_through_the_page_api(running: Running) -> None:
    async with httpx.AsyncClient(base_url=str(running.web_url)) as client:
        switched = await client.post("/api/printers/zpl/faults", json={"paper_out": True})
        printers = (await client.get("/api/printers")).json()
        refused = await client.post("/api/printers/zpl/faults", json={"paper_jam": True})
    assert switched.status_code == 200
    assert printers["zpl"]["paper_out"] is True
    assert printers["escpos"]["paper_out"] is False
    assert refused.status_code == 422
    assert "unknown fault 'paper_jam'" in refused.text
