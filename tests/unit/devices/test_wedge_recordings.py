"""The wedge driver's decoding of recorded event streams, one set per keymap (us, de, jp).

The recordings (tests/unit/devices/data/wedge/*.evemu, evemu-record format) were made by
make_recordings.py beside them, which asks libxkbcommon with xkeyboard-config 2.35's layouts which
key types each character; Kaeru's keymaps had no say in them. Each names the text typed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devices.hid import KeystrokeDecoder, load_layout, scan_from_line
from simulators.wedge import read_evemu

WEDGE = Path(__file__).parent / "data" / "wedge"
RECORDINGS = sorted(WEDGE.glob("*.evemu"))


def typed(recording: Path) -> str:
    m = re.search(r'^# typed: (".*") on xkeyboard-config', recording.read_text(), re.MULTILINE)
    assert m is not None, recording
    return str(json.loads(m.group(1)))


def test_there_are_recordings_for_each_keymap() -> None:
    assert {p.name.split("-")[0] for p in RECORDINGS} == {"us", "de", "jp"}


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem)
def test_a_recorded_scan_decodes_to_what_was_typed(recording: Path) -> None:
    decoder = KeystrokeDecoder(load_layout(recording.stem.split("-")[0]))
    lines = [line for event in read_evemu(recording.read_text()) if (line := decoder.feed(event))]
    assert [(line.text, line.unmapped) for line in lines] == [(typed(recording), [])]


def test_a_german_recording_read_with_the_us_keymap_does_not_pass_for_the_scan() -> None:
    # the layout matters: QWERTZ keys read as QWERTY type other characters
    decoder = KeystrokeDecoder(load_layout("us"))
    (line,) = [x for e in read_evemu((WEDGE / "de-4.evemu").read_text()) if (x := decoder.feed(e))]
    assert line.text != typed(WEDGE / "de-4.evemu")


def test_the_recorded_gs1_datamatrix_scan_gives_its_meaning_on_every_layout() -> None:
    for name in ("us", "de", "jp"):
        decoder = KeystrokeDecoder(load_layout(name))
        (line,) = [x for e in read_evemu((WEDGE / f"{name}-2.evemu").read_text()) if (x := decoder.feed(e))]
        scan = scan_from_line(line, device="w", aim=True, gs_substitute=None)
        assert (name, scan.gtin, scan.lot, str(scan.expiry)) == (name, "09506000134352", "LOT1", "2026-12-31")
