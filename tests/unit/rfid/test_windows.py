"""Read windows: one report per tag per window, with arrived / present / gone."""

from __future__ import annotations

from devices.rfid.windows import ReadWindows

EPC_A = "3074257BF7194E4000001A85"
EPC_B = "3034257BF7194E4000001A86"


def windows(**options: float) -> ReadWindows:
    return ReadWindows(
        device="rfid-1", window_s=options.get("window_s", 1.0), gone_after_s=options.get("gone_after_s", 3.0)
    )


def test_the_first_read_of_a_tag_is_reported_at_once_as_arrived() -> None:
    events = windows().observe(EPC_A, 100.0, antenna=1, rssi=-50)
    assert [(e.epc, e.presence, e.antenna) for e in events] == [(EPC_A, "arrived", 1)]


def test_an_arrived_tag_carries_its_decoded_gtin_and_serial() -> None:
    (event,) = windows().observe(EPC_A, 100.0)
    assert (event.gtin, event.serial, event.device) == ("80614141123458", "6789", "rfid-1")


def test_a_tag_read_many_times_in_its_first_window_is_reported_once() -> None:
    w = windows()
    reported = [e for i in range(200) for e in w.observe(EPC_A, 100.0 + i * 0.004)]
    reported += w.advance(100.99)
    assert [e.presence for e in reported] == ["arrived"]


def test_a_tag_read_again_in_the_next_window_is_reported_present_once_when_it_closes() -> None:
    w = windows()
    w.observe(EPC_A, 100.0)
    events = [e for t in (101.1, 101.2, 101.3) for e in w.observe(EPC_A, t, rssi=-60.0 + t)]
    events += w.advance(102.05)
    assert [(e.presence, e.seen_count) for e in events] == [("present", 3)]


def test_the_present_report_keeps_the_peak_rssi_and_its_antenna() -> None:
    w = windows()
    w.observe(EPC_A, 100.0)
    w.observe(EPC_A, 101.1, antenna=1, rssi=-61)
    w.observe(EPC_A, 101.2, antenna=2, rssi=-48)
    w.observe(EPC_A, 101.3, antenna=1, rssi=-55)
    (event,) = w.advance(102.0)
    assert (event.peak_rssi, event.antenna) == (-48, 2)


def test_the_present_report_spans_the_reader_first_and_last_seen_times() -> None:
    w = windows()
    w.observe(EPC_A, 100.0)
    w.observe(EPC_A, 101.2, first_seen=1000.25, last_seen=1000.5, count=4)
    w.observe(EPC_A, 101.3, first_seen=1000.1, last_seen=1000.9, count=2)
    (event,) = w.advance(102.0)
    assert (event.first_seen.timestamp(), event.last_seen.timestamp(), event.seen_count) == (
        1000.1,
        1000.9,
        6,
    )


def test_a_tag_not_read_for_the_gone_time_is_reported_gone() -> None:
    w = windows(gone_after_s=2.0)
    w.observe(EPC_A, 100.0)
    assert [e.presence for e in w.advance(101.5)] == []
    assert [(e.epc, e.presence) for e in w.advance(102.1)] == [(EPC_A, "gone")]


def test_a_gone_tag_read_again_arrives_again() -> None:
    w = windows(gone_after_s=2.0)
    w.observe(EPC_A, 100.0)
    w.advance(102.5)
    assert [e.presence for e in w.observe(EPC_A, 103.0)] == ["arrived"]


def test_a_tag_still_being_read_never_goes() -> None:
    w = windows(gone_after_s=2.0)
    presences = [e.presence for i in range(100) for e in w.observe(EPC_A, 100.0 + i * 0.1)]
    assert "gone" not in presences
    assert presences.count("arrived") == 1


def test_two_tags_in_one_window_are_reported_once_each() -> None:
    w = windows()
    events = [e for i in range(50) for epc in (EPC_A, EPC_B) for e in w.observe(epc, 100.0 + i * 0.01)]
    assert sorted(e.epc for e in events) == sorted([EPC_A, EPC_B])


def test_a_read_after_the_window_end_closes_the_window_first() -> None:
    w = windows()
    w.observe(EPC_A, 100.0)
    w.observe(EPC_A, 101.5)
    events = w.observe(EPC_B, 102.2)
    assert [(e.epc, e.presence) for e in events] == [(EPC_A, "present"), (EPC_B, "arrived")]


def test_a_garbage_epc_is_reported_with_an_unknown_meaning() -> None:
    (event,) = windows().observe("E2801160600002", 100.0)
    assert event.meaning.kind == "unknown"
    assert event.gtin is None


def test_present_reports_can_be_switched_off() -> None:
    w = ReadWindows(device="d", window_s=1.0, gone_after_s=3.0, report_present=False)
    w.observe(EPC_A, 100.0)
    w.observe(EPC_A, 101.5)
    assert list(w.advance(102.1)) == []


def test_in_session_2_a_tag_read_once_stays_present_however_long_it_keeps_quiet() -> None:
    w = ReadWindows(device="d", session=2)
    w.observe(EPC_A, 100.0)
    assert (w.advance(160.0), w.present) == ([], frozenset({EPC_A}))


def test_in_session_0_silence_means_gone_after_three_seconds_by_default() -> None:
    w = ReadWindows(device="d", session=0)
    w.observe(EPC_A, 100.0)
    assert [e.presence for e in w.advance(102.9)] == []
    assert [e.presence for e in w.advance(103.5)] == ["gone"]


def test_in_session_1_the_default_outlasts_the_longest_flag_persistence() -> None:
    assert ReadWindows(device="d", session=1).gone_after_s == 6.0


def test_a_refresh_reports_gone_the_tags_that_did_not_answer_again() -> None:
    w = ReadWindows(device="d", session=2, window_s=1.0)
    w.observe(EPC_A, 100.0)
    w.observe(EPC_B, 100.0)
    w.refresh(130.0)
    w.observe(EPC_A, 130.4)  # A answers after the refresh; B has left
    assert [(e.epc, e.presence) for e in w.advance(131.1) if e.presence == "gone"] == [(EPC_B, "gone")]
    assert w.present == frozenset({EPC_A})


def test_a_configured_absence_still_applies_in_session_2() -> None:
    w = ReadWindows(device="d", session=2, gone_after_s=30.0)
    w.observe(EPC_A, 100.0)
    assert [e.presence for e in w.advance(131.0)] == ["gone"]
