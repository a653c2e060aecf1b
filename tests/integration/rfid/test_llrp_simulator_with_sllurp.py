"""The LLRP reader simulator, driven by the unmodified sllurp client over a real TCP socket."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sllurp.llrp import LLRPMessage, LLRPReaderClient, LLRPReaderConfig, LLRPReaderState

from simulators.llrp import LlrpReaderSimulator, RadioSettings, sample_tags

TAGS = sample_tags(8, antennas=2)
ALL_EPCS = {epc for epcs in TAGS.values() for epc in epcs}
EVERYTHING = {
    "EnableAntennaID": True,
    "EnablePeakRSSI": True,
    "EnableFirstSeenTimestamp": True,
    "EnableLastSeenTimestamp": True,
    "EnableTagSeenCount": True,
}


@pytest.fixture
async def simulator() -> AsyncIterator[LlrpReaderSimulator]:
    sim = LlrpReaderSimulator(
        tags=TAGS, settings=RadioSettings(antennas=2, round_s=0.02, miss_rate=0.0, seed=3)
    )
    await sim.start()
    yield sim
    await sim.stop()


async def run_sllurp(
    sim: LlrpReaderSimulator, config: dict[str, Any], seconds: float
) -> tuple[LLRPReaderClient, list[dict[str, Any]], list[int]]:
    reports: list[dict[str, Any]] = []
    states: list[int] = []
    client = LLRPReaderClient("127.0.0.1", sim.port, LLRPReaderConfig(config))
    client.add_tag_report_callback(lambda _reader, tags: reports.extend(tags))
    client.add_state_callback(LLRPReaderState.STATE_INVENTORYING, lambda _reader, state: states.append(state))
    await asyncio.to_thread(client.connect)
    await asyncio.sleep(seconds)
    await asyncio.to_thread(client.disconnect, 2.0)
    return client, reports, states


async def test_sllurp_connects_configures_and_reaches_inventory(simulator: LlrpReaderSimulator) -> None:
    _, _, states = await run_sllurp(simulator, {"antennas": [1, 2]}, 0.5)
    assert states == [LLRPReaderState.STATE_INVENTORYING]


async def test_sllurp_receives_every_simulated_tag(simulator: LlrpReaderSimulator) -> None:
    _, reports, _ = await run_sllurp(simulator, {"antennas": [1, 2], "tag_content_selector": EVERYTHING}, 0.8)
    assert {r["EPC"].decode().upper() for r in reports} == ALL_EPCS


async def test_sllurp_tag_reports_carry_antenna_rssi_count_and_timestamps(
    simulator: LlrpReaderSimulator,
) -> None:
    _, reports, _ = await run_sllurp(simulator, {"antennas": [1, 2], "tag_content_selector": EVERYTHING}, 0.8)
    report = next(r for r in reports if r["EPC"].decode().upper() == TAGS[2][0])
    assert report["AntennaID"] == 2
    assert -90 < report["PeakRSSI"] < -20
    assert report["TagSeenCount"] >= 1
    assert report["FirstSeenTimestampUTC"] <= report["LastSeenTimestampUTC"]


async def test_tag_reports_leave_out_what_the_content_selector_turns_off(
    simulator: LlrpReaderSimulator,
) -> None:
    selector = {**EVERYTHING, "EnablePeakRSSI": False, "EnableAntennaID": False}
    _, reports, _ = await run_sllurp(simulator, {"antennas": [1], "tag_content_selector": selector}, 0.6)
    assert reports
    assert not any("PeakRSSI" in r or "AntennaID" in r for r in reports)


async def test_sllurp_reads_the_simulated_reader_capabilities(simulator: LlrpReaderSimulator) -> None:
    client, _, _ = await run_sllurp(simulator, {"antennas": [1]}, 0.3)
    assert client.llrp.capabilities["GeneralDeviceCapabilities"]["MaxNumberOfAntennaSupported"] == 2
    assert client.llrp.tx_power_table[1:3] == [10.0, 10.25]


async def test_in_session_0_a_tag_is_reported_again_and_again(simulator: LlrpReaderSimulator) -> None:
    config = {"antennas": [1, 2], "session": 0, "tag_content_selector": EVERYTHING}
    _, reports, _ = await run_sllurp(simulator, config, 1.0)
    assert sum(r["TagSeenCount"] for r in reports) > 5 * len(ALL_EPCS)


async def test_in_session_2_a_tag_that_stays_in_the_field_is_reported_once(
    simulator: LlrpReaderSimulator,
) -> None:
    config = {"antennas": [1, 2], "session": 2, "tag_content_selector": EVERYTHING}
    _, reports, _ = await run_sllurp(simulator, config, 1.0)
    assert sorted(r["EPC"].decode().upper() for r in reports) == sorted(ALL_EPCS)


async def test_at_the_lowest_transmit_power_distant_tags_are_not_read(simulator: LlrpReaderSimulator) -> None:
    simulator.field.clear()
    simulator.field.place("3034257BF7194E4000000001", 1, rssi=-40.0)  # close to the antenna
    simulator.field.place("3034257BF7194E4000000002", 1, rssi=-70.0)  # far away
    config = {"antennas": [1], "session": 0, "tx_power_dbm": 20.0, "tag_content_selector": EVERYTHING}
    _, reports, _ = await run_sllurp(simulator, config, 0.6)
    assert {r["EPC"].decode().upper() for r in reports} == {"3034257BF7194E4000000001"}


async def test_keepalives_are_sent_at_the_configured_interval_and_acknowledged(
    simulator: LlrpReaderSimulator,
) -> None:
    await run_sllurp(simulator, {"antennas": [1], "keepalive_interval": 100}, 0.55)
    assert simulator.stats.keepalive_acks >= 3


async def test_a_rospec_with_a_duration_stops_by_itself(simulator: LlrpReaderSimulator) -> None:
    config = {"antennas": [1], "session": 0, "duration": 0.2, "tag_content_selector": EVERYTHING}
    await run_sllurp(simulator, config, 0.3)
    reads_after_stop = simulator.stats.reads
    await asyncio.sleep(0.2)
    assert reads_after_stop > 0
    assert simulator.stats.reads == reads_after_stop


def read_message(sock: socket.socket) -> LLRPMessage:
    header = sock.recv(10, socket.MSG_WAITALL)
    _, length, _ = struct.unpack("!HII", header)
    body = sock.recv(length - 10, socket.MSG_WAITALL) if length > 10 else b""
    return LLRPMessage(msgbytes=header + body)


async def test_a_second_client_is_told_a_connection_already_exists(simulator: LlrpReaderSimulator) -> None:
    first = await asyncio.to_thread(socket.create_connection, ("127.0.0.1", simulator.port))
    await asyncio.to_thread(read_message, first)
    second = await asyncio.to_thread(socket.create_connection, ("127.0.0.1", simulator.port))
    event = await asyncio.to_thread(read_message, second)
    first.close()
    second.close()
    status = event.msgdict["READER_EVENT_NOTIFICATION"]["ReaderEventNotificationData"][
        "ConnectionAttemptEvent"
    ]
    assert status["Status"] == "Failed (a Client initiated connection already exists)"


async def test_an_unsupported_message_is_answered_with_an_error_message(
    simulator: LlrpReaderSimulator,
) -> None:
    sock = await asyncio.to_thread(socket.create_connection, ("127.0.0.1", simulator.port))
    await asyncio.to_thread(read_message, sock)
    sock.sendall(struct.pack("!HII", (1 << 10) | 44, 10, 77))  # GET_ACCESSSPECS
    answer = await asyncio.to_thread(read_message, sock)
    sock.close()
    assert answer.getName() == "ERROR_MESSAGE"
    assert answer.msgdict["ERROR_MESSAGE"]["LLRPStatus"]["StatusCode"] == "UnsupportedMessage"
    assert answer.msgdict["ERROR_MESSAGE"]["ID"] == 77
