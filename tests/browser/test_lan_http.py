"""The screens over plain HTTP at a LAN hostname, as warehouse PCs and handhelds reach the server.

Chromium treats only HTTPS, localhost and 127.0.0.1 as secure contexts; at `http://kaeru-floor.lan`
features reserved for secure contexts (crypto.randomUUID, camera access) are absent. The hostname is
mapped to 127.0.0.1 inside Chromium (--host-resolver-rules), so the page really is an insecure context.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.site import PASSWORD, Site
from tests.browser.wedge import count_answers, scan

pytestmark = pytest.mark.browser
LAN_HOST = "kaeru-floor.lan"
SOCK = "09506000134352"


@pytest.fixture
def lan_page(site: Site, browser: Browser) -> Iterator[Page]:
    # A Chromium of its own (the host mapping is a launch argument), from the session's Playwright.
    lan_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"]
    )
    context = lan_browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    count_answers(page)
    yield page
    lan_browser.close()


def lan_url(site: Site) -> str:
    return f"http://{LAN_HOST}:{urlsplit(site.url).port}"


def test_a_picker_on_plain_http_at_a_lan_hostname_confirms_a_task_by_scans(
    site: Site, lan_page: Page
) -> None:
    site.item("LAN-SOCK", SOCK, weight_g=80)
    site.receive("LAN-SOCK", 4, "B-03-2")
    site.order("LAN-1", [("LAN-SOCK", 2)])
    site.release(["LAN-1"])
    base = lan_url(site)

    lan_page.goto(f"{base}/ui/login?next=/ui/pick")
    assert lan_page.evaluate("window.isSecureContext") is False
    assert lan_page.evaluate("typeof crypto.randomUUID") == "undefined"
    lan_page.fill("#username", "picker")
    lan_page.fill("#password", PASSWORD)
    lan_page.click("button[type=submit]")
    lan_page.wait_for_url("**/ui/pick**")
    expect(lan_page.locator("#location")).to_have_text("B-03-2")

    scan(lan_page, "]C0LOC-B-03-2")
    expect(lan_page.locator("#step")).to_have_text("Scan the item")
    scan(lan_page, f"]E0{SOCK[1:]}")
    scan(lan_page, f"]E0{SOCK[1:]}")
    expect(lan_page.locator("#banner .headline")).to_have_text("Task complete")
    order = next(o for o in site.call("GET", "/api/v1/orders?limit=50") if o["number"] == "LAN-1")
    assert order["status"] == "picked"


def test_the_keys_the_page_makes_without_a_secure_context_are_random_version_4_uuids(
    site: Site, lan_page: Page
) -> None:
    lan_page.goto(f"{lan_url(site)}/ui/login")
    keys = lan_page.evaluate(
        "async () => { const api = await import('/ui/static/js/api.js');"
        " return Array.from({length: 200}, () => api.newKey()); }"
    )
    assert len(set(keys)) == 200
    for key in keys:
        assert len(key) == 36, key
        assert key[14] == "4", key
        assert key[19] in "89ab", key
