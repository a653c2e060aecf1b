"""Cutting a scanner's byte stream into scans, and framing scans as a scanner sends them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.framing import (
    Frame,
    Framing,
    LineCutter,
    TerminatorMismatch,
    encode_scan,
    partial_scan,
    scan_from_frame,
    split_frames,
)
from devices.scan import GS

DATAMATRIX = "]d2010950600013435210LOT1" + GS + "17261231"


def frames_of(stream: bytes, framing: Framing) -> tuple[list[bytes], bytes]:
    frames, rest = split_frames(stream, framing)
    return [f.data for f in frames], rest


@pytest.mark.parametrize(
    ("terminator", "stream"),
    [("cr", b"A1\rB2\r"), ("lf", b"A1\nB2\n"), ("crlf", b"A1\r\nB2\r\n"), ("any", b"A1\rB2\r\n")],
)
def test_each_terminator_ends_a_frame(terminator: str, stream: bytes) -> None:
    assert frames_of(stream, Framing(terminator=terminator)) == ([b"A1", b"B2"], b"")  # type: ignore[arg-type]


def test_a_partial_line_is_kept_until_its_terminator_arrives() -> None:
    framing = Framing(terminator="crlf")
    frames, rest = frames_of(b"A1\r\nLPN-", framing)
    assert (frames, rest) == ([b"A1"], b"LPN-")
    assert frames_of(rest + b"9\r\n", framing) == ([b"LPN-9"], b"")


def test_crlf_split_between_two_reads_still_ends_one_frame() -> None:
    framing = Framing(terminator="crlf")
    frames, rest = frames_of(b"A1\r", framing)
    assert (frames, frames_of(rest + b"\n", framing)) == ([], ([b"A1"], b""))


def test_with_any_terminator_a_crlf_split_between_reads_makes_no_empty_scan() -> None:
    framing = Framing(terminator="any")
    first, rest = frames_of(b"A1\r", framing)
    second, _ = frames_of(rest + b"\nB2\n", framing)
    assert first + second == [b"A1", b"B2"]


def test_a_line_longer_than_the_limit_is_given_up_as_an_overlong_frame() -> None:
    frames, rest = split_frames(b"x" * 20, Framing(max_frame=16))
    assert (rest, frames[0].problem) == (b"", "no terminator after 20 bytes")


def test_prefix_and_suffix_are_stripped() -> None:
    framing = Framing(prefix=b"\x02", suffix=b"\x03")
    scan = scan_from_frame(Frame(b"\x02]C0LOC-A-01\x03"), framing)
    assert (scan.kind, scan.code) == ("location", "A-01")


def test_a_frame_without_the_configured_prefix_is_unknown_with_its_text_kept() -> None:
    scan = scan_from_frame(Frame(b"]C0LOC-A-01"), Framing(prefix=b"#"))
    assert (scan.kind, scan.raw, scan.error) == (
        "unknown",
        "]C0LOC-A-01",
        "frame does not start with the configured prefix",
    )


def test_a_frame_without_the_configured_suffix_is_unknown() -> None:
    scan = scan_from_frame(Frame(b"]C0LOC-A-01"), Framing(suffix=b"\x03"))
    assert scan.kind == "unknown"


def test_invalid_utf8_is_an_unknown_scan_whose_raw_text_escapes_the_bytes() -> None:
    scan = scan_from_frame(Frame(b"LPN-\xff\xfe1"), Framing())
    assert (scan.kind, scan.raw, scan.error) == ("unknown", "LPN-\\xff\\xfe1", "invalid UTF-8 at byte 4")


def test_control_bytes_make_an_unknown_scan() -> None:
    scan = scan_from_frame(Frame(b"LPN-\x07\x011"), Framing())
    assert (scan.kind, scan.raw) == ("unknown", "LPN-\x07\x011")


def test_with_aim_ids_the_symbology_is_read_from_the_frame() -> None:
    scan = scan_from_frame(Frame(DATAMATRIX.encode()), Framing(aim=True))
    assert (scan.symbology, scan.gtin) == ("]d2", "09506000134352")


def test_without_aim_ids_a_leading_bracket_is_data() -> None:
    scan = scan_from_frame(Frame(b"]C0ABC"), Framing(aim=False))
    assert (scan.symbology, scan.kind, scan.code) == (None, "text", "]C0ABC")


def test_a_configured_gs_substitute_is_read_as_gs() -> None:
    scan = scan_from_frame(Frame(b"]d2010950600013435210LOT1|17261231"), Framing(gs_substitute="|"))
    assert (scan.lot, str(scan.expiry)) == ("LOT1", "2026-12-31")


def test_a_partial_line_given_up_is_unknown_with_the_reason() -> None:
    scan = partial_scan(b"]C0LPN-12", Framing(), "partial scan cut by disconnect", device="s1")
    assert (scan.kind, scan.raw, scan.error, scan.device) == (
        "unknown",
        "]C0LPN-12",
        "partial scan cut by disconnect",
        "s1",
    )


def test_encoding_adds_prefix_suffix_terminator_and_the_gs_substitute() -> None:
    framing = Framing(terminator="cr", prefix=b"\x02", suffix=b"\x03", gs_substitute="~")
    assert encode_scan("]d2" + "10A" + GS + "17261231", framing) == b"\x02]d210A~17261231\x03\r"


def test_encoding_without_aim_ids_leaves_the_id_out() -> None:
    assert encode_scan("]E05901234123457", Framing(aim=False, terminator="lf")) == b"5901234123457\n"


def test_framing_is_read_from_url_options_with_percent_decoded_bytes() -> None:
    framing = Framing.from_options({"terminator": "CR", "prefix": "\x02", "aim": "0", "gs": "~"})
    assert framing == Framing(terminator="cr", prefix=b"\x02", aim=False, gs_substitute="~")


def test_an_unknown_terminator_name_is_refused() -> None:
    with pytest.raises(ValueError, match="terminator"):
        Framing.from_options({"terminator": "etx"})


# "]" is left out: with AIM ids off the encoder drops a leading "]Xn" as an AIM id.
_texts = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="]"),
    min_size=1,
    max_size=40,
)


@given(
    texts=st.lists(_texts, min_size=1, max_size=8),
    terminator=st.sampled_from(["cr", "lf", "crlf", "any"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_scans_survive_any_split_of_the_stream_into_reads(
    texts: list[str], terminator: str, cuts: list[int]
) -> None:
    framing = Framing(terminator=terminator, aim=False)  # type: ignore[arg-type]
    stream = b"".join(encode_scan(t, framing) for t in texts)
    got: list[bytes] = []
    rest = b""
    start = 0
    for cut in [*sorted(c % (len(stream) + 1) for c in cuts), len(stream)]:
        frames, rest = split_frames(rest + stream[start:cut], framing)
        got += [f.data for f in frames]
        start = max(start, cut)
    assert (got, rest) == ([t.encode() for t in texts], b"")


def cut(cutter: LineCutter, *chunks: bytes) -> tuple[list[bytes], list[TerminatorMismatch]]:
    frames: list[bytes] = []
    found: list[TerminatorMismatch] = []
    for chunk in chunks:
        got, mismatch = cutter.feed(chunk)
        frames += [f.data for f in got]
        found += [mismatch] if mismatch else []
    return frames, found


def test_a_cr_at_the_end_of_a_crlf_port_waits_for_the_lf_then_is_taken_for_the_scanners_terminator() -> None:
    cutter = LineCutter(Framing(terminator="crlf"))
    assert cut(cutter, b"]E05901234123457\r") == ([], [])
    assert cutter.waiting
    frames, mismatch = cutter.idle()
    assert ([f.data for f in frames], mismatch) == (
        [b"]E05901234123457"],
        TerminatorMismatch(configured="crlf", sent="cr"),
    )
    assert cut(cutter, b"A1\rB2\r") == ([b"A1", b"B2"], [])  # keeps cutting, says it once


def test_an_lf_after_the_cr_of_a_crlf_port_is_no_mismatch() -> None:
    cutter = LineCutter(Framing(terminator="crlf"))
    assert cut(cutter, b"A1\r", b"\nB2\r\n") == ([b"A1", b"B2"], [])
    assert (cutter.waiting, cutter.idle()) == (False, ([], None))


def test_a_crlf_scanner_on_a_cr_port_is_noticed_at_once_and_its_lf_is_not_glued_to_the_next_scan() -> None:
    cutter = LineCutter(Framing(terminator="cr"))
    assert cut(cutter, b"A1\r\nB2\r\n") == ([b"A1", b"B2"], [TerminatorMismatch("cr", "crlf")])


def test_a_crlf_scanner_on_an_lf_port_leaves_no_cr_on_the_scan() -> None:
    cutter = LineCutter(Framing(terminator="lf"))
    assert cut(cutter, b"A1\r\n") == ([b"A1"], [TerminatorMismatch("lf", "crlf")])


def test_a_line_feed_inside_a_qr_code_on_a_crlf_port_is_data_not_a_mismatch() -> None:
    cutter = LineCutter(Framing(terminator="crlf"))
    assert cut(cutter, b"BEGIN:VCARD\nN:Doe\n", b"END:VCARD\r\n") == ([b"BEGIN:VCARD\nN:Doe\nEND:VCARD"], [])


def test_a_burst_of_foreign_terminated_scans_is_cut_when_it_would_overflow() -> None:
    cutter = LineCutter(Framing(terminator="crlf", max_frame=16))
    frames, found = cut(cutter, b"A1\rB2\rC3\rD4\rE5\rF6\r")
    assert (frames, found) == ([b"A1", b"B2", b"C3", b"D4", b"E5", b"F6"], [TerminatorMismatch("crlf", "cr")])


def test_the_advice_names_the_setting_to_change() -> None:
    assert "set terminator=cr" in TerminatorMismatch("crlf", "cr").advice
