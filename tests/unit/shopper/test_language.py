"""Which language a shopper's page speaks."""

from __future__ import annotations

from wms.shopper.model import choose_locale, normalise_locale, parse_accept_language
from wms.shopper.pages import catalogue, translate


def test_accept_language_is_read_most_wanted_first() -> None:
    assert parse_accept_language("en;q=0.5, uk-UA, ja;q=0.8") == ["uk", "ja", "en"]


def test_a_language_with_q_zero_is_refused() -> None:
    assert parse_accept_language("ja;q=0, en") == ["en"]


def test_the_lang_parameter_wins_over_the_browser() -> None:
    assert choose_locale(asked="ja", accept_language="uk", shopper_locale="en") == "ja"


def test_the_browser_language_wins_over_the_shoppers_profile() -> None:
    assert choose_locale(asked=None, accept_language="fr-FR, uk;q=0.7", shopper_locale="ja") == "uk"


def test_the_shoppers_locale_is_used_when_the_browser_asks_for_nothing_we_speak() -> None:
    assert choose_locale(asked="de", accept_language="fr", shopper_locale="ja-JP") == "ja"


def test_english_is_the_last_resort() -> None:
    assert choose_locale(asked=None, accept_language=None, shopper_locale=None) == "en"


def test_a_shops_locale_tag_becomes_a_kaeru_locale() -> None:
    assert [normalise_locale(t) for t in ("uk-UA", "ja", "en-US", "pt-BR", None)] == [
        "uk",
        "ja",
        "en",
        "en",
        "en",
    ]


def test_every_language_has_every_phrase_of_the_english_pages() -> None:
    english = set(catalogue("en"))
    assert set(catalogue("ja")) == english
    assert set(catalogue("uk")) == english


def test_a_phrase_is_filled_in_with_its_values() -> None:
    assert translate("ja", "order.heading", number="ORD-7") == "ご注文 ORD-7"
