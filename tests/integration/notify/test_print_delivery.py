"""Print jobs from the outbox on a simulated Zebra (real TCP, real ZPL, rendered and decoded back).

The spooler is the one the server runs (wms.notify.printing); it runs here in the test's event loop
next to the simulator, while the floor is driven through the HTTP API.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlmodel import col, select

from simulators.printers.faults import Faults
from simulators.printers.shelf import PrintedLabel
from simulators.printers.zpl import ZplPrinterSimulator
from tests.floor import Floor
from tests.polling import eventually
from wms.context import Kaeru
from wms.fulfilment.tables import Order
from wms.identity.tables import Device
from wms.inventory.tables import Warehouse
from wms.notify.config import PrintSpec
from wms.notify.printing import NO_PRINTER, OutboxPrintJobStore, build_spooler
from wms.platform.outbox import enqueue
from wms.platform.tables import OutboxMessage

QUICK = PrintSpec(poll_seconds=0.1, lease_seconds=5, retry_base_seconds=0.1, retry_cap_seconds=0.3)


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


@pytest.fixture
async def zebra(kaeru: Kaeru) -> AsyncIterator[ZplPrinterSimulator]:
    """A simulated Zebra that answers ~HS with its fault flags, wired in as PACK-1's printer."""
    printer = ZplPrinterSimulator(faults=Faults(silent_when_faulted=False), name="pack-1")
    await printer.start()

    def rewire(session):  # type: ignore[no-untyped-def]
        device = session.exec(select(Device).where(Device.code == "PACK-1-PRINTER")).one()
        device.url = printer.url
        session.add(device)

    kaeru.db.write(rewire)
    yield printer
    await printer.stop()


@pytest.fixture
async def spooler(kaeru: Kaeru) -> AsyncIterator[None]:
    running = asyncio.create_task(build_spooler(kaeru.db, QUICK).run())
    yield
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)


def _close_a_carton(floor: Floor, number: str = "O-1") -> dict[str, Any]:
    """An order picked, packed and closed at PACK-1 (whose printer gets both labels)."""
    floor.item("TEE-M", gtin="09506000134352", weight_g=250)
    floor.receive("TEE-M", 5, "A-01-1")
    floor.order(number, [("TEE-M", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker", key="next-1")["task"]
    while task["next"]:
        floor.scan(f"LOC-{task['next']['location']}")
        task = floor.scan("]E09506000134352")["data"]
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": number})
    floor.scan("]E09506000134352", "packer")
    return floor.call(  # type: ignore[no-any-return]
        "POST",
        f"/api/v1/packing/cartons/{carton['sscc']}/close",
        "packer",
        json={"weight_g": 250 + 180, "station": "PACK-1"},
    )


def _queue(kaeru: Kaeru, payload: dict[str, Any]) -> None:
    """A print job as the areas queue them (in WH1)."""

    def work(session):  # type: ignore[no-untyped-def]
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        enqueue(
            session,
            channel="print",
            topic=f"print.{payload['label']}",
            payload=payload,
            warehouse_id=warehouse.id,
        )

    kaeru.db.write(work)


def _codes(label: PrintedLabel) -> set[str]:
    assert label.png is not None, label.render_note
    return {found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(label.png)))}


def _print_rows(kaeru: Kaeru) -> list[OutboxMessage]:
    with kaeru.db.read() as session:
        return list(
            session.exec(
                select(OutboxMessage).where(OutboxMessage.channel == "print").order_by(col(OutboxMessage.id))
            )
        )


def _printer_device(kaeru: Kaeru) -> Device:
    with kaeru.db.read() as session:
        return session.exec(select(Device).where(Device.code == "PACK-1-PRINTER")).one()


async def _until(condition: Callable[[], bool], what: str, within: float = 10.0) -> None:
    await eventually(condition, within=within, every=0.05, what=what)


async def test_a_closed_carton_prints_a_shipping_and_a_return_label_that_scan_back(
    floor: Floor, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    closed = _close_a_carton(floor)
    printed = await zebra.shelf.wait_for(2, within=15)
    with floor.kaeru.db.read() as session:
        token = session.exec(select(Order.tracking_token).where(Order.number == "O-1")).one()
    shipping, returning = (_codes(label) for label in printed)
    # The shipping label is the carrier's own, as the carrier sent it: its barcode is the tracking number.
    assert closed["shipment"]["tracking_number"] in shipping
    assert {f"RMA:{token}", "RMA-O-1"} <= returning  # the packed label is the order's pre-authorised return
    await _until(
        lambda: {m.state for m in _print_rows(floor.kaeru)} == {"delivered"}, "jobs not marked printed"
    )


async def test_a_job_waits_while_the_printer_is_out_of_paper_and_prints_once_it_is_back(
    floor: Floor, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    await zebra.set_faults(paper_out=True)
    _close_a_carton(floor)
    await _until(
        lambda: _printer_device(floor.kaeru).state == "fault", "the printer's fault was not recorded"
    )
    assert "out of paper" in _printer_device(floor.kaeru).state_detail
    await _until(  # the first in line has been tried and says what it waits for
        lambda: "out of paper" in _print_rows(floor.kaeru)[0].last_error, "the job's wait was not explained"
    )
    rows = _print_rows(floor.kaeru)
    assert [m.state for m in rows] == ["pending", "pending"]
    assert "out of paper" in rows[0].last_error  # the first in line says what it waits for
    assert len(zebra.shelf) == 0

    await zebra.set_faults(paper_out=False)
    await zebra.shelf.wait_for(2, within=10)
    await _until(
        lambda: {m.state for m in _print_rows(floor.kaeru)} == {"delivered"}, "jobs not marked printed"
    )
    await asyncio.sleep(0.3)
    assert len(zebra.shelf) == 2  # each label once
    assert [m.attempts for m in _print_rows(floor.kaeru)] == [1, 1]
    assert _printer_device(floor.kaeru).state == "connected"


async def test_the_dashboard_is_told_when_the_printer_runs_out_of_paper_and_when_it_is_back(
    floor: Floor, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    await zebra.set_faults(paper_out=True)
    _close_a_carton(floor)
    await _until(
        lambda: _printer_device(floor.kaeru).state == "fault", "the printer's fault was not recorded"
    )
    await zebra.set_faults(paper_out=False)
    await _until(lambda: {m.state for m in _print_rows(floor.kaeru)} == {"delivered"}, "jobs not printed")
    # The spooler tells the dashboard in transactions of its own, just after the printer or job changes.
    told = [("fault", True), ("connected", False)]
    await _until(lambda: _printer_health(floor.kaeru) == told, "the dashboard was not told of the printer")
    await _until(lambda: _live_job_states(floor.kaeru).count("printed") == 2, "the dashboard was not told")
    assert _printer_health(floor.kaeru) == told  # nothing more


def _printer_health(kaeru: Kaeru) -> list[tuple[str, bool]]:
    with kaeru.db.read() as session:
        return [
            (m.payload["state"], "out of paper" in m.payload["detail"])
            for m in session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "live", OutboxMessage.topic == "device.health")
                .order_by(col(OutboxMessage.id))
            )
            if m.payload["device"] == "PACK-1-PRINTER"
        ]


def _live_job_states(kaeru: Kaeru) -> list[str]:
    with kaeru.db.read() as session:
        return [
            m.payload["state"]
            for m in session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.channel == "live", OutboxMessage.topic == "print.job"
                )
            )
        ]


async def test_a_graded_units_tag_prints_the_lpn_that_put_away_scans(
    kaeru: Kaeru, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    payload = {  # as wms.returns queues it when a unit is graded
        "label": "grade_tag",
        "printer": zebra.url,
        "lpn": "RU00000007",
        "lpn_code": "LPN-RU00000007",
        "sku": "TEE-M",
        "gtin": "09506000134352",
        "serial": "SN123",
        "grade": "B",
        "disposition": "open_box",
        "graded_on": "2025-03-01",
        "description": "Tee M",
        "tote": "T-OPENBOX",
        "location": "OPENBOX",
        "rma": "RMA-1001",
    }
    _queue(kaeru, payload)
    (tag,) = await zebra.shelf.wait_for(1, within=10)
    assert _codes(tag) == {"LPN-RU00000007"}  # the 2x1 tag; the 4x2 one adds a GS1 DataMatrix


async def test_a_label_without_a_printer_is_failed_with_the_reason_not_dropped(kaeru: Kaeru) -> None:
    _queue(kaeru, {"label": "shipping_label", "printer": None})
    assert await OutboxPrintJobStore(kaeru.db).printers() == []
    (row,) = _print_rows(kaeru)
    assert (row.state, row.last_error) == ("dead", NO_PRINTER)


async def test_a_label_the_printer_cannot_draw_is_failed_with_the_reason(
    kaeru: Kaeru, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    _queue(kaeru, {"label": "grade_tag", "printer": zebra.url, "lpn": "RU1", "sku": "X", "grade": "Q"})
    await _until(lambda: _print_rows(kaeru)[0].state == "dead", "the job was not failed")
    assert "cannot print" in _print_rows(kaeru)[0].last_error
    assert len(zebra.shelf) == 0


async def test_only_one_server_process_drives_a_printer_until_it_lets_go(kaeru: Kaeru) -> None:
    _queue(kaeru, {"label": "grade_tag", "printer": "tcp://127.0.0.1:9"})
    first, second = OutboxPrintJobStore(kaeru.db), OutboxPrintJobStore(kaeru.db)
    assert await first.printers() == ["tcp://127.0.0.1:9"]
    assert await second.printers() == []
    assert await second.next_job("tcp://127.0.0.1:9") is None
    await asyncio.to_thread(first.release)
    assert await second.printers() == ["tcp://127.0.0.1:9"]


def _jobs(floor: Floor, who: str = "packer", **where: str) -> list[dict[str, Any]]:
    return floor.call("GET", "/api/v1/print-jobs", who, params=where)  # type: ignore[no-any-return]


async def test_a_label_waiting_for_a_printer_out_of_paper_says_so_and_is_not_reprinted_twice(
    floor: Floor, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    await zebra.set_faults(paper_out=True)
    _close_a_carton(floor, "O-7")
    await _until(
        lambda: {j["state"] for j in _jobs(floor, order="O-7")} == {"waiting"}, "the wait was not shown"
    )
    jobs = _jobs(floor, order="O-7")
    assert sorted(j["label"] for j in jobs) == ["return_label", "shipping_label"]
    assert all("out of paper" in j["reason"] and j["printer"] == "PACK-1-PRINTER" for j in jobs)
    refused = floor.call("POST", f"/api/v1/print-jobs/{jobs[0]['id']}/reprint", "packer", expect=409, json={})
    assert "still in the printer's queue" in refused["message"]

    await zebra.set_faults(paper_out=False)
    await _until(lambda: {j["state"] for j in _jobs(floor, order="O-7")} == {"printed"}, "not printed")
    again = floor.call("POST", f"/api/v1/print-jobs/{jobs[0]['id']}/reprint", "packer", expect=201, json={})
    assert (again["reprint_of"], again["label"]) == (jobs[0]["id"], jobs[0]["label"])
    await zebra.shelf.wait_for(3, within=10)
    await _until(lambda: [j["state"] for j in _jobs(floor, order="O-7")].count("printed") == 3, "reprint")


async def test_a_label_for_an_unreachable_printer_waits_with_the_reason(
    floor: Floor, zebra: ZplPrinterSimulator, spooler: None
) -> None:
    await zebra.set_faults(offline=True)
    _close_a_carton(floor, "O-8")
    await _until(
        lambda: {j["state"] for j in _jobs(floor, order="O-8")} == {"waiting"}, "the wait was not shown"
    )
    assert all(j["reason"] for j in _jobs(floor, order="O-8"))


def test_print_jobs_are_found_by_one_key_and_only_in_the_callers_warehouses(floor: Floor) -> None:
    _close_a_carton(floor, "O-9")
    assert len(_jobs(floor, order="O-9")) == 2
    sscc = _jobs(floor, order="O-9")[0]
    refused = floor.call("GET", "/api/v1/print-jobs", "packer", expect=422)
    assert refused["message"] == "name one of order, sscc or lpn"
    assert floor.call("GET", "/api/v1/print-jobs?order=O-9&lpn=X", "packer", expect=422)
    assert _jobs(floor, order="NO-SUCH") == []
    assert floor.call("POST", "/api/v1/print-jobs/nope/reprint", "packer", expect=404, json={})
    assert floor.call(
        "POST", f"/api/v1/print-jobs/{sscc['id']}/reprint", "packer", expect=404, json={"printer": "NOPE"}
    )
    assert floor.call("GET", "/api/v1/print-jobs?order=O-9", "integrator", expect=403)
