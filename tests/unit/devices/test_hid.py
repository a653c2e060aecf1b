"""Key events from a keyboard-wedge scanner decoded through keyboard layouts (pure, no device)."""

from __future__ import annotations

import pytest
from evdev import ecodes as e
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.hid import (
    HidScanner,
    KeystrokeDecoder,
    TypedLine,
    decode_keystrokes,
    keystrokes,
    load_layout,
    scan_from_line,
)
from devices.scan import GS

US, DE, JP = load_layout("us"), load_layout("de"), load_layout("jp")


def press(code: int) -> tuple[int, int, int]:
    return (e.EV_KEY, code, 1)


def release(code: int) -> tuple[int, int, int]:
    return (e.EV_KEY, code, 0)


def typed(events: list[tuple[int, int, int]], layout: object = US) -> list[str]:
    return [line.text for line in decode_keystrokes([*events, press(e.KEY_ENTER)], layout)]  # type: ignore[arg-type]


def test_shift_2_is_an_at_sign_on_a_us_keyboard() -> None:
    assert typed([press(e.KEY_LEFTSHIFT), press(e.KEY_2), release(e.KEY_2), release(e.KEY_LEFTSHIFT)]) == [
        "@"
    ]


def test_shift_2_is_a_double_quote_on_a_japanese_keyboard() -> None:
    events = [press(e.KEY_RIGHTSHIFT), press(e.KEY_2), release(e.KEY_2), release(e.KEY_RIGHTSHIFT)]
    assert typed(events, JP) == ['"']


def test_the_key_right_of_p_is_an_at_sign_on_a_japanese_keyboard() -> None:
    assert typed([press(e.KEY_LEFTBRACE)], JP) == ["@"]


def test_y_and_z_are_swapped_on_a_german_keyboard() -> None:
    assert typed([press(e.KEY_Y), press(e.KEY_Z)], DE) == ["zy"]


def test_altgr_q_is_an_at_sign_on_a_german_keyboard() -> None:
    assert typed([press(e.KEY_RIGHTALT), press(e.KEY_Q), release(e.KEY_RIGHTALT)], DE) == ["@"]


def test_a_scanner_set_to_german_read_with_the_us_layout_types_something_else() -> None:
    assert typed(keystrokes("LPN-Y", DE, enter=False), US) == ["LPN/Z"]


@pytest.mark.parametrize("layout", [US, DE, JP], ids=["us", "de", "jp"])
def test_a_gs1_datamatrix_typed_through_the_wedge_keeps_its_group_separator(layout: object) -> None:
    text = "]d2010950600013435210LOT1" + GS + "17261231"
    (line,) = decode_keystrokes(keystrokes(text, layout), layout)  # type: ignore[arg-type]
    scan = scan_from_line(line, device="w", aim=True, gs_substitute=None)
    assert (line.text, scan.gtin, scan.lot, str(scan.expiry)) == (
        text,
        "09506000134352",
        "LOT1",
        "2026-12-31",
    )


def test_ctrl_right_bracket_is_gs_on_a_us_keyboard() -> None:
    events = [press(e.KEY_LEFTCTRL), press(e.KEY_RIGHTBRACE), release(e.KEY_LEFTCTRL)]
    assert typed(events) == [GS]


def test_ctrl_right_bracket_is_gs_on_a_japanese_keyboard_where_bracket_is_another_key() -> None:
    events = [press(e.KEY_LEFTCTRL), press(e.KEY_BACKSLASH), release(e.KEY_LEFTCTRL)]
    assert typed(events, JP) == [GS]


def test_alt_and_keypad_digits_type_the_character_with_that_code() -> None:
    events = [
        press(e.KEY_LEFTALT),
        press(e.KEY_KP0),
        press(e.KEY_KP2),
        press(e.KEY_KP9),
        release(e.KEY_LEFTALT),
    ]
    assert typed([press(e.KEY_A), *events, press(e.KEY_B)]) == ["a" + GS + "b"]


def test_keypad_enter_ends_a_scan_too() -> None:
    lines = decode_keystrokes([press(e.KEY_1), press(e.KEY_KPENTER)], US)
    assert [line.text for line in lines] == ["1"]


def test_tab_ends_a_scan_only_when_configured() -> None:
    events = [press(e.KEY_1), press(e.KEY_TAB), press(e.KEY_2), press(e.KEY_ENTER)]
    enter_only = KeystrokeDecoder(US)
    tab_too = KeystrokeDecoder(US, frozenset({e.KEY_TAB, e.KEY_ENTER}))
    assert [ln.text for ev in events if (ln := enter_only.feed(ev))] == ["1\t2"]
    assert [ln.text for ev in events if (ln := tab_too.feed(ev))] == ["1", "2"]


def test_auto_repeat_and_sync_events_type_nothing() -> None:
    assert typed([press(e.KEY_A), (e.EV_KEY, e.KEY_A, 2), (e.EV_SYN, 0, 0), (e.EV_MSC, 4, 30)]) == ["a"]


def test_caps_lock_inverts_the_case_of_letters_only() -> None:
    assert typed([press(e.KEY_CAPSLOCK), press(e.KEY_A), press(e.KEY_1)]) == ["A1"]


def test_a_key_the_layout_does_not_know_makes_the_scan_unknown_and_names_the_key() -> None:
    (line,) = decode_keystrokes([press(e.KEY_A), press(e.KEY_F13), press(e.KEY_ENTER)], US)
    scan = scan_from_line(line, device="w", aim=True, gs_substitute=None)
    assert (scan.kind, scan.raw, scan.error) == ("unknown", "a\ufffd", "keys not in the layout: KEY_F13")


def test_the_partial_line_can_be_flushed() -> None:
    decoder = KeystrokeDecoder(US)
    for event in keystrokes("LPN-1", US, enter=False):
        decoder.feed(event)
    assert decoder.flush() == TypedLine("LPN-1")


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="no keyboard layout"):
        load_layout("xx")


def test_the_hid_url_names_path_layout_and_terminator() -> None:
    scanner = HidScanner("hid:///dev/input/event7?layout=jp&terminator=tab&grab=0", device_id="w")
    assert (scanner.path, scanner.layout.name, scanner.grab) == ("/dev/input/event7", JP.name, False)


def _typable(layout: object) -> st.SearchStrategy[str]:
    chars = sorted({c for chars in layout.keys.values() for c in chars if c})  # type: ignore[attr-defined]
    return st.text(alphabet=st.sampled_from(chars), min_size=1, max_size=30)


@pytest.mark.parametrize("layout", [US, DE, JP], ids=["us", "de", "jp"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_whatever_a_layout_can_type_decodes_back_to_the_same_text(
    layout: object, data: st.DataObject
) -> None:
    text = data.draw(_typable(layout))
    assert [line.text for line in decode_keystrokes(keystrokes(text, layout), layout)] == [text]  # type: ignore[arg-type]
