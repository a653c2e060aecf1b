"""Pure parts of the LLRP reader simulator: framing, ROSpec reading, the simulated radio."""

from __future__ import annotations

import random

import pytest
from sllurp.llrp import LLRPMessage
from sllurp.llrp_proto import LLRPROSpec

from simulators.llrp import (
    ContentSelector,
    MalformedMessage,
    Radio,
    RadioSettings,
    TagField,
    message,
    parameters,
    parse_rospec,
)

EPC = "3074257BF7194E4000001A85"


def sllurp_rospec(**options: object) -> bytes:
    """An ADD_ROSPEC as sllurp encodes it; returns the ROSpec parameter body."""
    spec = LLRPROSpec(None, 7, antennas=[1, 3], **options)  # type: ignore[arg-type]
    raw = LLRPMessage(msgdict={"ADD_ROSPEC": {"ID": 1, "ROSpecID": 7, "ROSpec": spec}}).msgbytes
    ((_, rospec),) = parameters(raw[10:])
    return rospec


def test_a_message_header_carries_version_1_type_length_and_id() -> None:
    assert message(62, 9).hex() == "043e0000000a00000009"


def test_a_sllurp_rospec_is_read_with_its_id_antennas_and_immediate_start() -> None:
    spec = parse_rospec(sllurp_rospec())
    assert (spec.rospec_id, spec.ai_specs[0].antennas, spec.start_trigger) == (7, (1, 3), 1)


def test_a_sllurp_rospec_carries_the_session_for_each_antenna() -> None:
    spec = parse_rospec(sllurp_rospec(session=1))
    assert {a: s.session for a, s in spec.ai_specs[0].settings.items()} == {1: 1, 3: 1}


def test_report_every_n_tags_becomes_a_tag_observation_stop_trigger() -> None:
    ai = parse_rospec(sllurp_rospec(report_every_n_tags=25, report_timeout_ms=300)).ai_specs[0]
    assert (ai.stop_type, ai.n_tags, ai.timeout_ms) == (3, 25, 300)


def test_a_rospec_duration_becomes_its_stop_trigger() -> None:
    assert parse_rospec(sllurp_rospec(duration_sec=1.5)).stop_duration_ms == 1500


def test_the_content_selector_bits_follow_the_llrp_order() -> None:
    selector = ContentSelector.from_bits(0b0001_0100_1000_0000)
    assert (selector.antenna_id, selector.peak_rssi, selector.seen_count, selector.last_seen) == (
        True,
        True,
        True,
        False,
    )


def test_a_truncated_parameter_is_malformed() -> None:
    with pytest.raises(MalformedMessage):
        parameters(b"\x00\xb1\x00\x20\x00")


def radio(**settings: float) -> Radio:
    rng = random.Random(1)
    field = TagField(rng)
    field.place(EPC, 1, rssi=-50)
    return Radio(RadioSettings(**settings), field, rng)  # type: ignore[arg-type]


def test_in_session_0_a_tag_is_read_in_every_round() -> None:
    r = radio(miss_rate=0.0, duplicates=0)
    assert [len(r.round(1, 0, 32.5, t * 0.05)) for t in range(5)] == [1, 1, 1, 1, 1]


def test_in_session_0_duplicates_add_extra_reads_per_round() -> None:
    r = radio(miss_rate=0.0, duplicates=4)
    assert sum(read.count for t in range(50) for read in r.round(1, 0, 32.5, t * 0.05)) > 100


def test_in_session_2_a_powered_tag_is_read_once() -> None:
    r = radio(miss_rate=0.0)
    assert [len(r.round(1, 2, 32.5, t * 0.05)) for t in range(100)] == [1] + [0] * 99


def test_in_session_2_a_tag_unpowered_past_its_persistence_is_read_again() -> None:
    r = radio(miss_rate=0.0, persistence_s=2.0)
    r.round(1, 2, 32.5, 0.0)
    assert len(r.round(1, 2, 32.5, 2.5)) == 1


def test_in_session_1_a_tag_is_read_again_after_its_persistence() -> None:
    r = radio(miss_rate=0.0, persistence_s=0.5)
    reads = [len(r.round(1, 1, 32.5, t * 0.1)) for t in range(12)]
    assert reads == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]


def test_missed_reads_drop_about_the_configured_share() -> None:
    r = radio(miss_rate=0.3, duplicates=0)
    reads = sum(read.count for t in range(1000) for read in r.round(1, 0, 32.5, t * 0.05))
    assert 620 < reads < 780


def test_a_tag_on_another_antenna_is_not_read() -> None:
    assert radio().round(2, 0, 32.5, 0.0) == []
