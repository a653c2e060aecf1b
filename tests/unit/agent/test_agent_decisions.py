"""The station agent's decisions: what each device event becomes, how the queue is grouped into
requests, and what the server's answers mean."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from devices.agent.model import (
    BATCH_PATH,
    Entry,
    heartbeat_detail,
    input_devices,
    next_run,
    outcome_of,
    outgoing_for,
    parse_overrides,
    request_for,
    summary,
    verdict,
    weight_is_news,
)
from devices.epc import decode_epc
from devices.health import DeviceHealth
from devices.rfid.tags import TagRead
from devices.scale import Weight
from devices.scan import parse_scan

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
EPC = "3074257BF7194E4000001A85"


def entry(seq: int, kind: str = "scan", key: str | None = None) -> Entry:
    body = {"raw": f"]C0LPN-{seq:05d}", "scanned_at": AT.isoformat(), "epc": None} if kind == "scan" else {}
    return Entry(seq=seq, key=key or f"key-{seq}", kind=kind, body=body, queued_at=AT)  # type: ignore[arg-type]


def tag(presence: str) -> TagRead:
    return TagRead(
        epc=EPC,
        meaning=decode_epc(EPC),
        antenna=1,
        peak_rssi=-52.0,
        seen_count=7,
        first_seen=AT,
        last_seen=AT,
        device="RET-1-RFID",
        presence=presence,
    )  # type: ignore[arg-type]


def test_a_scan_is_sent_with_the_raw_text_the_scanner_sent_including_its_aim_id() -> None:
    scan = parse_scan("]d2010950600013435210LOT1\x1d17261231", device="RET-1-SCANNER", at=AT)
    out = outgoing_for(scan)
    assert out is not None
    assert out.kind == "scan"
    assert out.body == {
        "raw": "]d2010950600013435210LOT1\x1d17261231",
        "scanned_at": AT.isoformat(),
        "epc": None,
    }


def test_a_garbled_scan_is_still_sent_so_the_server_records_it() -> None:
    scan = parse_scan("\x07\x01", device="RET-1-SCANNER", at=AT)
    out = outgoing_for(scan)
    assert scan.kind == "unknown"
    assert out is not None
    assert out.body["raw"] == "\x07\x01"


def test_an_arrived_rfid_tag_is_sent_as_a_scan_carrying_its_epc() -> None:
    out = outgoing_for(tag("arrived"))
    assert out is not None
    assert out.kind == "scan"
    assert out.body["epc"] == EPC
    assert out.body["scanned_at"] == AT.isoformat()


@pytest.mark.parametrize("presence", ["present", "gone"])
def test_a_tag_that_is_still_there_or_gone_is_not_sent_again(presence: str) -> None:
    assert outgoing_for(tag(presence)) is None


def test_a_scale_reading_is_sent_as_grams_with_whether_it_is_stable() -> None:
    out = outgoing_for(Weight(grams=1234, stable=True, device="RET-1-SCALE", at=AT))
    assert out is not None
    assert out.kind == "weight"
    assert out.body == {"grams": "1234", "stable": True, "measured_at": AT.isoformat()}


def test_a_scale_reading_is_sent_at_the_scales_own_resolution() -> None:
    out = outgoing_for(Weight.of(Decimal("1234.5"), stable=True, device="RET-1-SCALE"))
    assert out is not None
    assert out.body["grams"] == "1234.5"
    assert summary(out.kind, out.body) == "1234.5 g stable"


def test_a_postal_scales_ounce_steps_are_sent_to_the_milligram() -> None:
    three_tenths_oz = Decimal("0.3") * Decimal("28.349523125")  # 8.5048569375 g
    out = outgoing_for(Weight.of(three_tenths_oz, stable=True))
    assert out is not None
    assert out.body["grams"] == "8.505"


def test_device_health_is_sent_with_the_device_code_and_its_state() -> None:
    health = DeviceHealth(
        device="RET-1-SCANNER",
        url="serial:///dev/ttyACM0",
        state="disconnected",
        detail="port went away",
        last_seen=AT,
        at=AT,
    )
    out = outgoing_for(health)
    assert out is not None
    assert out.kind == "health"
    assert out.body == {
        "device": "RET-1-SCANNER",
        "state": "disconnected",
        "detail": "port went away",
        "last_seen": AT.isoformat(),
    }


def test_the_first_reading_of_a_scale_is_news() -> None:
    assert weight_is_news(None, Weight(grams=0, stable=True))


def test_a_scale_settling_is_news() -> None:
    assert weight_is_news(Weight(grams=498, stable=False), Weight(grams=500, stable=True))


def test_a_scale_that_starts_moving_is_news() -> None:
    assert weight_is_news(Weight(grams=500, stable=True), Weight(grams=503, stable=False))


def test_a_moving_scale_changing_its_number_is_not_news() -> None:
    assert not weight_is_news(Weight(grams=480, stable=False), Weight(grams=497, stable=False))


def test_a_scale_settling_on_another_weight_is_news() -> None:
    assert weight_is_news(Weight(grams=500, stable=True), Weight(grams=750, stable=True))


def test_a_scale_settling_a_tenth_of_a_gram_away_is_news() -> None:
    before = Weight.of(Decimal("1234.5"), stable=True)
    assert weight_is_news(before, Weight.of(Decimal("1234.6"), stable=True))
    assert not weight_is_news(before, Weight.of(Decimal("1234.50"), stable=True))


def test_the_same_settled_weight_again_is_not_news() -> None:
    assert not weight_is_news(Weight(grams=500, stable=True), Weight(grams=500, stable=True))


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_success_means_delivered(status: int) -> None:
    assert verdict(status) == "delivered"


def test_unauthorised_means_the_agent_must_stop() -> None:
    assert verdict(401) == "stop"


@pytest.mark.parametrize("status", [None, 408, 409, 425, 429, 500, 502, 503, 504])
def test_no_answer_a_busy_key_or_a_server_error_means_try_again(status: int | None) -> None:
    assert verdict(status) == "retry"


@pytest.mark.parametrize("status", [400, 403, 404, 413, 422])
def test_any_other_client_error_is_a_final_answer(status: int) -> None:
    assert verdict(status) == "rejected"


def test_leading_scans_travel_together_up_to_the_batch_size() -> None:
    pending = [entry(n) for n in range(1, 8)]
    assert [e.seq for e in next_run(pending, 5)] == [1, 2, 3, 4, 5]


def test_a_batch_stops_before_a_weight_so_order_is_kept() -> None:
    pending = [entry(1), entry(2), entry(3, "weight"), entry(4)]
    assert [e.seq for e in next_run(pending, 500)] == [1, 2]


def test_a_weight_at_the_head_of_the_queue_goes_alone() -> None:
    pending = [entry(1, "weight"), entry(2), entry(3)]
    assert [e.seq for e in next_run(pending, 500)] == [1]


def test_one_event_goes_to_its_own_endpoint_with_its_key_as_the_idempotency_key() -> None:
    request = request_for([entry(7)])
    assert request.path == "/api/v1/scans"
    assert request.key == "key-7"
    assert request.body == entry(7).body


def test_several_scans_go_through_the_batch_endpoint_each_with_its_key() -> None:
    request = request_for([entry(1), entry(2)])
    assert request.path == BATCH_PATH
    assert request.key is None
    assert [(s["raw"], s["idempotency_key"]) for s in request.body["scans"]] == [
        ("]C0LPN-00001", "key-1"),
        ("]C0LPN-00002", "key-2"),
    ]


def test_a_weight_cannot_be_put_in_a_scan_batch() -> None:
    with pytest.raises(ValueError):
        request_for([entry(1), entry(2, "weight")])


def batch_answer(*items: tuple[str, int]) -> dict[str, object]:
    return {
        "results": [
            {"idempotency_key": key, "status": status, "replayed": False, "message": f"m {key}"}
            for key, status in items
        ]
    }


def test_a_batch_answer_settles_each_scan_delivered_or_refused() -> None:
    run = [entry(1), entry(2), entry(3)]
    outcome = outcome_of(run, 200, batch_answer(("key-1", 200), ("key-2", 404), ("key-3", 200)))
    assert outcome.rest is None
    assert [(s.seq, s.state, s.status) for s in outcome.settled] == [
        (1, "delivered", 200),
        (2, "rejected", 404),
        (3, "delivered", 200),
    ]
    assert outcome.settled[1].message == "m key-2"


def test_a_batch_answer_that_does_not_match_the_keys_settles_nothing() -> None:
    run = [entry(1), entry(2)]
    outcome = outcome_of(run, 200, batch_answer(("key-2", 200), ("key-1", 200)))
    assert outcome.settled == ()
    assert outcome.rest == "retry"


def test_a_refused_batch_is_split_into_single_scans() -> None:
    outcome = outcome_of([entry(1), entry(2)], 422, {"error": "invalid", "message": "scans.1.raw: too long"})
    assert outcome.settled == ()
    assert outcome.rest == "split"


def test_a_server_error_on_a_batch_settles_nothing() -> None:
    outcome = outcome_of([entry(1), entry(2)], 503, {"message": "busy"})
    assert outcome.settled == ()
    assert outcome.rest == "retry"


def test_a_refused_single_scan_is_settled_as_rejected_with_the_servers_message() -> None:
    outcome = outcome_of([entry(1)], 422, {"error": "invalid", "message": "not at this location"})
    assert outcome.rest is None
    assert [(s.state, s.status, s.message) for s in outcome.settled] == [
        ("rejected", 422, "not at this location")
    ]


def test_a_bad_token_settles_nothing_and_stops() -> None:
    outcome = outcome_of([entry(1)], 401, {"error": "unauthorised"})
    assert outcome.settled == ()
    assert outcome.rest == "stop"


STATION = [
    ("RET-1-SCANNER", "serial:///tmp/s?aim=1"),
    ("RET-1-SCALE", "scale+serial:///tmp/w"),
    ("RET-1-PRINTER", "tcp://127.0.0.1:9101"),
    ("HH-01", ""),
]


def test_the_agent_opens_the_stations_input_devices_only() -> None:
    opened, skipped = input_devices(STATION)
    assert [(d.device_id, d.url) for d in opened] == [
        ("RET-1-SCANNER", "serial:///tmp/s?aim=1"),
        ("RET-1-SCALE", "scale+serial:///tmp/w"),
    ]
    assert [s.split(":")[0] for s in skipped] == ["RET-1-PRINTER", "HH-01"]


def test_a_device_url_can_be_overridden_by_its_code() -> None:
    opened, _ = input_devices(STATION, overrides={"RET-1-SCANNER": "serial:///dev/ttyACM0"})
    assert opened[0].url == "serial:///dev/ttyACM0"


def test_overriding_a_device_the_station_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="PACK-1-SCANNER"):
        input_devices(STATION, overrides={"PACK-1-SCANNER": "serial:///dev/ttyACM0"})


def test_an_override_without_an_equals_sign_is_refused_with_an_example() -> None:
    with pytest.raises(ValueError, match="CODE=URL"):
        parse_overrides(["RET-1-SCANNER"])


def test_overrides_keep_query_strings_that_contain_equals_signs() -> None:
    assert parse_overrides(["RET-1-SCANNER=serial:///dev/x?aim=1"]) == {
        "RET-1-SCANNER": "serial:///dev/x?aim=1"
    }


def test_the_heartbeat_names_the_backlog_and_each_devices_state() -> None:
    detail = heartbeat_detail("RET-1", 3, {"RET-1-SCANNER": "connected", "RET-1-SCALE": "disconnected"})
    assert detail == "agent of RET-1: 3 queued; RET-1-SCALE disconnected, RET-1-SCANNER connected"
