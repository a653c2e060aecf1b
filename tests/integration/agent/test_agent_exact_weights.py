"""A station scale's weight at the scale's own resolution, end to end: the scale simulator on a pty,
its driver, the station agent in process and a real Kaeru server (uvicorn in a thread), then the
station's weight read back over the API — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pytest

from devices.supervisor import DeviceSpec
from simulators.hid_scale import HidScaleSimulator
from simulators.scale import ScaleSimulator
from tests.integration.agent.conftest import STATION, Site, agent_for, eventually
from wms.identity.service import add_user, issue_user_token

GRAMS_PER_TENTH_OZ = Decimal("2.8349523125")


@pytest.fixture
def read_back(site: Site, server_url: str):  # type: ignore[no-untyped-def]
    """The station's latest reading as a packer's screen asks for it: GET /api/v1/stations/{code}."""

    warehouse_id = site.station().warehouse_id

    def token(session):  # type: ignore[no-untyped-def]
        user = add_user(
            session,
            username="packer-w",
            role="packer",
            password="correct horse battery",
            warehouse_id=warehouse_id,
        )
        return issue_user_token(session, user)

    headers = {"Authorization": f"Bearer {site.db.write(token)}"}

    def weight() -> dict[str, object]:
        answer = httpx.get(f"{server_url}/api/v1/stations/{STATION}", headers=headers, timeout=5)
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["weight"])

    return weight


@contextlib.asynccontextmanager
async def serving(scale: ScaleSimulator) -> AsyncIterator[ScaleSimulator]:
    await scale.start()
    task = asyncio.create_task(scale.serve())
    try:
        yield scale
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        scale.close()


def settled(site: Site, grams: Decimal) -> bool:
    station = site.station()
    return station.last_weight_stable and station.last_weight_g == grams


async def test_a_tenth_of_a_gram_on_the_bench_scale_reaches_the_station_exactly(
    site: Site,
    server_url: str,
    read_back,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    scale = ScaleSimulator(tmp_path / "ret-1-scale", settle=0.2, noise_grams=2, resolution_grams="0.1")
    async with serving(scale):
        devices = [DeviceSpec("RET-1-SCALE", scale.url() + "&interval=0.05")]
        async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
            scale.place(1234.5)
            await eventually(lambda: settled(site, Decimal("1234.5")))
            assert read_back() | {"at": None} == {"grams": "1234.5", "stable": True, "at": None}

            # Settling 0.2 g further on is a new weight, though both are 1235 in whole grams.
            scale.place(1234.7)
            await eventually(lambda: settled(site, Decimal("1234.7")))
            assert read_back()["grams"] == "1234.7"


@pytest.mark.parametrize("tenths_of_an_ounce", [1, 153, 439])
async def test_a_postal_scales_tenths_of_an_ounce_reach_the_station_to_the_milligram(
    site: Site,
    server_url: str,
    read_back,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    tenths_of_an_ounce: int,
) -> None:
    exact = tenths_of_an_ounce * GRAMS_PER_TENTH_OZ  # 0.1 oz = 2.8349523125 g exactly
    to_the_milligram = exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    scale = HidScaleSimulator(
        tmp_path / "ret-1-hid-scale", unit="oz", exponent=-1, settle=0.2, noise_grams=2, period=0.05
    )
    async with serving(scale):
        devices = [DeviceSpec("RET-1-SCALE", scale.url())]
        async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
            scale.place(float(exact))
            await eventually(lambda: settled(site, to_the_milligram))
            assert read_back()["grams"] == str(to_the_milligram).rstrip("0").rstrip(".")
