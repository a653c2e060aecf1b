"""How the llrp:// driver reads its URL, and what it says when sllurp is missing."""

from __future__ import annotations

import sys

import pytest

from devices.errors import DeviceFault
from devices.rfid.llrp import LlrpReader, parse_llrp_url


def test_an_llrp_url_gives_host_port_antennas_power_session_and_mode() -> None:
    s = parse_llrp_url("llrp://10.0.0.7:5085?antennas=1,2&power=30.5&session=1&mode=2")
    assert (s.host, s.port, s.antennas, s.power_dbm, s.session, s.mode) == (
        "10.0.0.7",
        5085,
        (1, 2),
        30.5,
        1,
        2,
    )


def test_an_llrp_url_without_a_port_uses_5084() -> None:
    assert parse_llrp_url("llrp://reader-7").port == 5084


def test_window_and_gone_times_are_given_in_milliseconds() -> None:
    s = parse_llrp_url("llrp://r?window_ms=500&gone_ms=2500")
    assert (s.window_s, s.gone_after_s) == (0.5, 2.5)


def test_an_unknown_option_is_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(ValueError, match=r"unknown LLRP URL option.*antena.*known: antennas"):
        parse_llrp_url("llrp://r?antena=1")


def test_a_session_outside_0_to_3_is_refused() -> None:
    with pytest.raises(ValueError, match=r"session must be 0\.\.3"):
        parse_llrp_url("llrp://r?session=4")


def test_another_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="not an LLRP reader URL"):
        parse_llrp_url("tcp://r:5084")


async def test_without_sllurp_the_driver_says_to_install_the_rfid_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sllurp.llrp", None)  # as if the optional extra were not installed

    async def emit(event: object) -> None:
        return None

    with pytest.raises(DeviceFault, match=r"kaeru\[rfid\]"):
        await LlrpReader("llrp://127.0.0.1:1", device_id="d").run(emit)
