"""/metrics during floor activity: requests by route template, scans by outcome, the outbox backlog
rising while nothing delivers and draining when the relay runs, devices and printers by state."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from tests.floor import Floor
from tests.integration.observability.scrape import value
from wms.identity.tables import Device
from wms.live.bus import Bus
from wms.live.publish import LiveChannel
from wms.notify.config import RelaySpec
from wms.notify.model import RetryPolicy
from wms.notify.relay import Relay


def scrape(floor: Floor) -> str:
    response = floor.client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def drain_live_outbox(floor: Floor) -> int:
    """Deliver every live event to a bus of its own, as the relay of a server would; how many."""

    async def run() -> int:
        bus = Bus("memory://")
        relay = Relay(
            floor.kaeru.db,
            {"live": LiveChannel(bus)},
            policy=RetryPolicy(3, base_seconds=0.01, cap_seconds=0.05),
            spec=RelaySpec(batch_size=200),
        )
        delivered = 0
        while handled := await relay.run_once():
            delivered += handled
        await bus.disconnect()
        return delivered

    return asyncio.run(run())


def test_the_outbox_backlog_rises_while_nothing_delivers_and_drains_when_the_relay_runs(floor: Floor) -> None:
    drain_live_outbox(floor)  # what setting up the floor wrote
    assert value(scrape(floor), "kaeru_outbox_backlog", channel="live") == 0
    for _ in range(5):
        floor.scan("LOC-A-01-1")
    risen = scrape(floor)
    assert value(risen, "kaeru_outbox_backlog", channel="live") == 5
    assert value(risen, "kaeru_outbox_oldest_due_age_seconds", channel="live") > 0
    for _ in range(3):
        floor.scan("LOC-A-02-1")
    assert value(scrape(floor), "kaeru_outbox_backlog", channel="live") == 8
    assert drain_live_outbox(floor) == 8
    drained = scrape(floor)
    assert value(drained, "kaeru_outbox_backlog", channel="live") == 0
    assert value(drained, "kaeru_outbox_oldest_due_age_seconds", channel="live") == 0
    assert value(drained, "kaeru_metrics_database_up") == 1


def test_scans_are_counted_by_outcome_and_requests_timed_by_route_template(floor: Floor) -> None:
    before = scrape(floor)
    floor.scan("LOC-A-01-1")
    floor.scan("LOC-NOPE-99", expect=404)
    item = floor.item("metrics-tee")
    floor.call("GET", f"/api/v1/items/{item['sku']}", expect=None)
    after = scrape(floor)
    for outcome in ("accepted", "rejected"):
        added = value(after, "kaeru_scans_total", outcome=outcome, mode="idle") - value(
            before, "kaeru_scans_total", outcome=outcome, mode="idle"
        )
        assert added == 1, outcome
    timed = "kaeru_http_request_duration_seconds_count"
    scans = value(after, timed, method="POST", route="/api/v1/scans", status="200") - value(
        before, timed, method="POST", route="/api/v1/scans", status="200"
    )
    assert scans == 1
    assert "/api/v1/items/metrics-tee" not in after  # the template, not the raw path


def test_devices_and_printers_are_reported_by_their_last_known_state(floor: Floor) -> None:
    with floor.kaeru.db.read() as session:
        printer = session.exec(select(Device).where(Device.kind == "printer")).first()
    assert printer is not None

    def mark(state: str) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            device = session.get(Device, printer.id)
            device.state = state
            session.add(device)

        floor.kaeru.db.write(work)

    mark("connected")
    up = value(scrape(floor), "kaeru_printer_up", warehouse="WH1", printer=printer.code, state="connected")
    assert up == 1
    mark("fault")
    faulty = scrape(floor)
    assert value(faulty, "kaeru_printer_up", warehouse="WH1", printer=printer.code, state="fault") == 0
    assert value(faulty, "kaeru_devices", warehouse="WH1", kind="printer", state="fault") >= 1


def test_the_grafana_dashboard_draws_only_metrics_the_server_reports(floor: Floor) -> None:
    import json
    import re

    from kaeru_config.settings import ROOT

    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    drawn = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bkaeru_\w+", target["expr"])
    }
    floor.scan("LOC-A-01-1")  # so that the scan counter has a sample
    reported = {
        line.split("{")[0].split(" ")[0] for line in scrape(floor).splitlines() if line.startswith("kaeru_")
    }
    assert len(drawn) >= 10
    assert drawn - reported == set()
