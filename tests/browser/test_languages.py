"""Every screen in English, Japanese and Ukrainian: nothing overflows, no character lacks a glyph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import screenshot
from tests.browser.page_checks import missing_glyphs, overflow_faults
from tests.browser.site import Site

pytestmark = pytest.mark.browser
LANGUAGES = ("en", "ja", "uk")
SCREENS = {  # screen -> viewport it is used at
    "returns": (1280, 800),
    "pack": (1280, 800),
    "pick": (360, 740),
    "dashboard": (1920, 1080),
}
HELLO = {"en": "Scan the parcel", "ja": "荷物のラベル", "uk": "Скануйте етикетку"}


@pytest.fixture(scope="module")
def manager_page(browser: Browser, site: Site) -> Iterator[Page]:
    site.item("LG-TEE", "09506000134352")
    site.receive("LG-TEE", 3, "A-01-1")
    site.order("LG-1", [("LG-TEE", 1)])
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    site.sign_in(page, "manager", "dashboard")
    yield page
    ctx.close()


def check(page: Page, name: str) -> None:
    screenshot(page, name)
    assert overflow_faults(page) == [], name
    glyphs = missing_glyphs(page)
    assert glyphs["checked"] > 20
    assert glyphs["missing"] == [], name


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_screen_renders_in_each_language_without_overflow_or_missing_glyphs(
    site: Site, manager_page: Page, screen: str, language: str
) -> None:
    width, height = SCREENS[screen]
    manager_page.set_viewport_size({"width": width, "height": height})
    manager_page.goto(f"{site.url}/ui/{screen}?lang={language}")
    manager_page.wait_for_function("document.body.dataset.screen === 'ready'")
    assert manager_page.evaluate("document.documentElement.lang") == language
    if screen == "returns":
        assert HELLO[language] in manager_page.inner_text("#banner")
    check(manager_page, f"{screen}-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_screen_renders_in_each_language(site: Site, page: Page, language: str) -> None:
    page.goto(f"{site.url}/ui/login?lang={language}")
    page.wait_for_selector("body.ready")
    check(page, f"login-{language}")


def test_the_glyph_check_finds_a_character_no_font_has(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/ui/login?lang=ja")
    page.wait_for_selector("body.ready")
    assert missing_glyphs(page, "\u0379")["missing"] == ["\u0379"]


def test_the_overflow_check_finds_a_word_too_long_for_its_button(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/ui/login?lang=uk")
    page.wait_for_selector("body.ready")
    page.evaluate("""() => { const b = document.querySelector('button[type=submit]');
        b.style.width = '4rem'; b.style.overflowWrap = 'normal'; b.textContent = 'Ідентифікуватися'; }""")
    assert any("button" in fault for fault in overflow_faults(page))
