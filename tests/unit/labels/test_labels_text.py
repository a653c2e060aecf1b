"""Fitting text into a width, and choosing the font that has each character."""

from __future__ import annotations

import pytest

from labels import fonts
from labels.textfit import break_units, fit, wrap


def _mono(text: str, size: float) -> float:
    return len(text) * size * 0.5


def test_japanese_breaks_between_characters_but_not_before_a_full_stop():
    assert break_units("箱を。OK now") == ["箱", "を。", "OK ", "now"]


def test_words_wrap_at_spaces_when_they_do_not_fit():
    assert wrap("one two three four", 40, 10, _mono) == ["one two", "three", "four"]


def test_a_text_is_shrunk_a_little_before_it_is_wrapped():
    fitted = fit("abcdefghij", 10, 46, 1, _mono)
    assert fitted.lines == ("abcdefghij",)
    assert fitted.size < 10


def test_a_text_too_long_even_when_shrunk_ends_with_an_ellipsis():
    fitted = fit("word " * 40, 10, 60, 2, _mono)
    assert len(fitted.lines) == 2
    assert fitted.lines[-1].endswith("…")
    assert all(_mono(line, fitted.size) <= 60 for line in fitted.lines)


def test_kana_come_from_the_japanese_font_and_cyrillic_from_dejavu():
    runs = [(face.role, text) for face, text in fonts.runs("Олена 返品 ABC")]
    assert runs == [("sans", "Олена "), ("japanese", "返品"), ("sans", " ABC")]


def test_bold_latin_uses_the_bold_face():
    assert [face.role for face, _ in fonts.runs("Bold", bold=True)] == ["sans-bold"]


def test_a_missing_font_is_reported_with_the_debian_package_to_install(monkeypatch):
    monkeypatch.setitem(
        fonts._WANTED,
        "japanese",
        fonts._Wanted(("/nonexistent/ipaexg.ttf",), "fonts-ipaexfont-gothic", "Japanese text"),
    )
    with pytest.raises(fonts.FontMissing, match="apt-get install fonts-ipaexfont-gothic"):
        fonts.font_path("japanese")
