"""The server's catalogs: every message the code and the rubrics say has a Japanese and a Ukrainian
translation with the same fields, the compiled catalogs are those of the .po files, and a sentence is
said in the listener's language by its template, or recognised from its words when it was stored."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date
from babel.messages.mofile import read_mo

from wms import i18n
from wms.errors import Invalid, NotFound, Text
from wms.locale import catalogs
from wms.returns.model import GRADE_MEANING
from wms.returns.policy import load_returns_config

FIELD = re.compile(r"\{(\w+)(![rsa])?\}")
LANGUAGES = catalogs.LANGUAGES


@pytest.fixture(scope="module")
def template() -> set[str]:
    return {m.id for m in catalogs.template() if m.id}


def test_the_template_holds_the_code_the_rubrics_and_the_grades(template: set[str]) -> None:
    assert "wrong location: go to {code} (you scanned {scanned})" in template  # a converted message
    assert "this warehouse has no pack location configured" in template  # a literal one, untouched
    assert "Are the original tags attached?" in template  # a rubric question
    assert "unworn with tags: like new" in template  # a rubric explanation
    assert set(GRADE_MEANING.values()) <= template
    assert len(template) > 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_with_the_same_fields(template: set[str], language: str) -> None:
    catalog = catalogs.read(language)
    ids = {m.id for m in catalog if m.id}
    assert ids == template, "run `make i18n`: the catalog is not the code's"
    missing = [m.id for m in catalog if m.id and not m.string]
    assert missing == [], f"{language}: untranslated {missing}"
    for message in catalog:
        if message.id:
            assert sorted(FIELD.findall(message.string)) == sorted(FIELD.findall(message.id)), message.id
            words = re.search("[a-z]{4}", FIELD.sub("", message.id))  # an English word to translate
            assert message.string != message.id or not words, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_po_file(language: str) -> None:
    with open(catalogs.path(language, "mo"), "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    written = {m.id: m.string for m in catalogs.read(language) if m.id}
    assert compiled == written, "run `make i18n`: the .mo is stale"


def test_an_error_is_said_by_its_template_and_parameters() -> None:
    error = Invalid("wrong item: expected {sku} ({name})", sku="TEE-M", name="Tee", expected="TEE-M")
    assert str(error.message) == "wrong item: expected TEE-M (Tee)"
    assert error.body()["message_id"] == "wrong item: expected {sku} ({name})"
    assert error.details == {"sku": "TEE-M", "name": "Tee", "expected": "TEE-M"}
    assert i18n.say(error.message, "ja") == "違う商品です：TEE-M（Tee）のはずです"
    assert i18n.say(error.message, "uk") == "не той товар: очікувався TEE-M (Tee)"
    assert i18n.say(error.message, "en") == "wrong item: expected TEE-M (Tee)"


def test_a_message_without_fields_keeps_braces_a_value_brought() -> None:
    error = NotFound("no item {item_id}")  # a template without its parameter is said as written
    assert str(error.message) == "no item {item_id}"
    assert str(Invalid("bad JSON: {'a': 1}").message) == "bad JSON: {'a': 1}"


def test_a_parameter_that_is_a_sentence_is_translated_too() -> None:
    text = Text("{sku}: {reason}", sku="TEE-M", reason=Text("final sale: cannot be returned"))
    assert i18n.say(text, "uk") == "TEE-M: остаточний продаж: повернути не можна"


def test_a_stored_sentence_is_recognised_from_its_words() -> None:
    stored = str(
        Text("serial {serial} is not the {sku} we shipped: possible swap", serial="SN-9", sku="PHONE")
    )
    assert (
        i18n.say(stored, "ja")
        == "シリアル SN-9 は出荷した PHONE のものではありません：すり替えの可能性があります"
    )
    assert (
        i18n.say("authorised but not in the parcel", "uk") == "дозволено до повернення, але в посилці немає"
    )
    assert i18n.say("words no template made", "ja") == "words no template made"
    quoted = str(NotFound("no station {code!r}", code="RS-9").message)
    assert quoted == "no station 'RS-9'"
    assert i18n.say(quoted, "ja") == "ステーション 'RS-9' はありません"


def test_the_language_of_a_request() -> None:
    assert i18n.from_header("uk-UA,uk;q=0.9,en;q=0.5") == "uk"
    assert i18n.from_header("fr-FR, ja;q=0.3") == "ja"
    assert i18n.from_header("fr-FR, de") is None
    assert i18n.from_header("ja;q=0, en") == "en"
    assert i18n.current("ja") == "ja"  # no header asked: the user's
    assert i18n.current(None) == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rubric_question_and_explanation_is_shown_translated(language: str) -> None:
    config = load_returns_config(catalogs.ROOT / "config")
    for rubric in config.rubrics.values():
        for question in rubric.questions:
            shown = i18n.said(question.text, language)
            assert shown != question.text["en"], question.id
        for rule in rubric.rules:
            if rule.explain:
                assert i18n.said(rule.explain, language) != rule.explain["en"], rule.id


def test_a_rubric_s_own_words_win_over_the_catalog() -> None:
    own = {"en": "Stains?", "ja": "汚れはありますか？"}
    assert i18n.said(own, "ja") == "汚れはありますか？"
    assert i18n.said(own, "uk") == "Плями?"


def test_ukrainian_dates_in_sentences_do_not_end_in_a_doubled_point() -> None:
    import yaml

    long_date = format_date(date(2026, 12, 7), format="long", locale="uk")
    assert long_date.endswith("р.")  # CLDR's Ukrainian long date ends in the abbreviation of "year"
    pages = yaml.safe_load((catalogs.ROOT / "wms/shopper/pages/i18n/uk.yaml").read_text(encoding="utf-8"))
    for key, text in pages.items():
        if "{date}" in str(text):
            assert ".." not in str(text).replace("{date}", long_date), key
