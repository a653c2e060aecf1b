"""A return and a pack worked wholly in Japanese: what the server says (the checklist, match results,
refusals, the grade) reaches the screen in Japanese, so no English sentence is ever on it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.wedge import count_answers, scan

pytestmark = pytest.mark.browser
SHIRT = "09506000134352"
MUG = "00614141123452"
OTHER = "05012345678900"
APPAREL_LIKE_NEW = {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"}
# Three or more words of Latin letters in a row, the later ones in lower case: a sentence, not a code
# (codes, SKUs and tote names are upper case; item names are one or two capitalised words).
SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,:;'-]+[a-z]{2,}){2,}")


def english_sentences(page: Page) -> list[str]:
    return SENTENCE.findall(page.evaluate("document.body.innerText"))


def assert_japanese(page: Page, step: str) -> None:
    found = english_sentences(page)
    if found:
        screenshot(page, f"english-on-{step}")
    assert found == [], f"{step}: English on a Japanese screen: {found}"


@pytest.fixture(scope="module", autouse=True)
def catalogue(site: Site) -> None:
    site.item("JA-SHIRT", SHIRT, weight_g=300)
    site.item("JA-MUG", MUG, weight_g=400, category="home")
    site.item("JA-OTHER", OTHER, weight_g=100)
    site.receive("JA-SHIRT", 10, "A-03-1")
    site.receive("JA-MUG", 10, "A-04-1")


def test_the_sentence_check_finds_english_and_passes_codes(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/ui/login?lang=ja")
    page.wait_for_selector("body.ready")
    page.evaluate("document.body.append('RMA-000123 JA-SHIRT Ja Shirt RESTOCK A-03-1')")
    assert english_sentences(page) == []
    page.evaluate("document.body.append(' scan the location first')")
    assert english_sentences(page) == ["scan the location first"]


def test_a_whole_return_in_japanese_shows_no_english_sentence(site: Site, page: Page) -> None:
    site.order("JA-1", [("JA-SHIRT", 1)])
    site.release(["JA-1"])
    site.pick_all({"JA-SHIRT": SHIRT})
    site.ship("JA-1", {SHIRT: ["300"]})
    rma = site.call(
        "POST",
        "/api/v1/returns",
        "associate",
        expect=201,
        json={
            "warehouse": "WH1",
            "order": "JA-1",
            "lines": [{"sku": "JA-SHIRT", "reason": "size_too_large", "outcome": "refund"}],
        },
    )
    count_answers(page)
    site.sign_in(page, "associate", "returns", query="?lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    # A mistyped code: refused, in Japanese.
    scan(page, "]C0RMA-999999")
    expect(page.locator("#banner")).to_have_class(re.compile("wrong"))
    expect(page.locator("#banner")).to_contain_text("RMA-999999")
    assert_japanese(page, "unknown-code")
    scan(page, f"]C0{rma['code']}")
    expect(page.locator("#rma")).to_have_text(rma["code"])
    assert_japanese(page, "parcel")
    scan(page, f"]E0{SHIRT[1:]}")
    expect(page.locator("#match-message")).to_have_text("JA-SHIRT：予定どおりです")
    expect(page.locator("[data-question=tags_attached]")).to_contain_text("元のタグは付いていますか？")
    assert_japanese(page, "checklist")
    for question, answer in APPAREL_LIKE_NEW.items():
        page.tap(f"[data-question={question}] button[data-answer={answer}]")
    page.tap("#grade")
    expect(page.locator("#grade-letter")).to_have_text("A")
    expect(page.locator("#grade-meaning")).to_contain_text("未着用・タグ付き：新品同様")
    assert_japanese(page, "graded")
    unit = site.call("GET", f"/api/v1/returns/{rma['code']}", "manager")["units"][0]
    scan(page, f"]C0LOC-{unit['location']}")  # the location before the tag: refused, in Japanese
    expect(page.locator("#banner")).to_have_class(re.compile("wrong"))
    assert_japanese(page, "put-away-refused")
    scan(page, f"]C0LPN-{unit['lpn']}")
    scan(page, f"]C0LOC-{unit['location']}")
    expect(page.locator("#banner")).to_contain_text(unit["location"])
    assert_japanese(page, "put-away")
    screenshot(page, "returns-put-away-ja")


def test_a_whole_pack_in_japanese_shows_no_english_sentence(site: Site, page: Page) -> None:
    site.order("JA-2", [("JA-SHIRT", 1), ("JA-MUG", 1)])
    site.release(["JA-2"])
    site.pick_all({"JA-SHIRT": SHIRT, "JA-MUG": MUG})
    count_answers(page)
    site.sign_in(page, "packer", "pack", query="?lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    scan(page, "]C0ORD-NOPE1")  # no such order
    expect(page.locator("#banner")).to_have_class(re.compile("wrong"))
    assert_japanese(page, "unknown-order")
    scan(page, "]C0ORD-JA-2")
    expect(page.locator("#order-number")).to_have_text("JA-2")
    assert_japanese(page, "order")
    scan(page, f"]E0{OTHER[1:]}")  # not on the order
    expect(page.locator("#banner")).to_have_class(re.compile("wrong"))
    assert_japanese(page, "wrong-item")
    scan(page, f"]E0{SHIRT[1:]}")
    scan(page, f"]E0{MUG[1:]}")
    expect(page.locator("#lines li.done")).to_have_count(2)
    assert_japanese(page, "packed")
    page.fill("#typed-weight", "50")  # far too light: refused with the expected weight
    page.click("#close")
    expect(page.locator("#banner")).to_have_class(re.compile("wrong"))
    assert_japanese(page, "too-light")
    page.fill("#typed-weight", str(300 + 400 + 180))
    page.click("#close")
    expect(page.locator("#tracking")).not_to_be_empty()
    assert_japanese(page, "closed")
    screenshot(page, "pack-closed-ja")
