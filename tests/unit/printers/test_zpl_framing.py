"""Splitting a live ZPL stream into control commands and complete label formats."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from simulators.printers.zpl import ControlCommand, LabelFormat, frame_zpl

TWO_LABELS = b"^XA^FO10,10^FDONE^FS^XZ\r\n~HS^XA^FO10,10^FDTWO^FS^PQ3^XZ"


def feed(chunks: list[bytes]) -> list[object]:
    items: list[object] = []
    rest = b""
    for chunk in chunks:
        framed = frame_zpl(rest + chunk)
        items.extend(framed.items)
        rest = framed.rest
    return items


def test_two_formats_and_a_status_query_in_one_read_are_all_found() -> None:
    framed = frame_zpl(TWO_LABELS)
    assert framed.items == [
        LabelFormat(b"^XA^FO10,10^FDONE^FS^XZ"),
        ControlCommand("HS"),
        LabelFormat(b"^XA^FO10,10^FDTWO^FS^PQ3^XZ"),
    ]
    assert framed.rest == b""
    assert not framed.partial_format


def test_a_format_without_its_end_is_kept_as_partial() -> None:
    framed = frame_zpl(b"^XA^FO10,10^FDON")
    assert framed.items == []
    assert framed.partial_format
    assert framed.rest == b"^XA^FO10,10^FDON"


def test_a_status_query_inside_an_unfinished_format_is_answered_at_once() -> None:
    framed = frame_zpl(b"^XA^FO10,10~HS^FDON")
    assert framed.items == [ControlCommand("HS")]
    assert framed.rest == b"^XA^FO10,10^FDON"


def test_the_quantity_command_sets_the_number_of_copies() -> None:
    assert LabelFormat(b"^XA^FDX^FS^PQ3^XZ").copies == 3
    assert LabelFormat(b"^XA^FDX^FS^XZ").copies == 1


@given(st.lists(st.integers(min_value=0, max_value=len(TWO_LABELS)), max_size=6))
def test_any_split_of_the_stream_gives_the_same_items(cuts: list[int]) -> None:
    points = sorted({0, len(TWO_LABELS), *cuts})
    chunks = [TWO_LABELS[start:end] for start, end in itertools.pairwise(points)]
    assert feed(chunks) == frame_zpl(TWO_LABELS).items
