"""/docs and /redoc on a floor without internet: Chromium may reach only the Kaeru server.

Every request to another host is aborted (as on a warehouse LAN with no way out); the pages must
still draw the API's operations from the assets the server itself serves.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.site import Site

pytestmark = pytest.mark.browser


def _offline(page: Page, site: Site) -> list[str]:
    """Abort whatever leaves the server's host; return what was attempted of what the page needs to
    work (scripts, styles, fonts, data). ReDoc's footer links a decorative logo on its own site,
    which simply stays blank offline."""
    server = urlsplit(site.url).netloc
    attempted: list[str] = []

    def route(route: Route) -> None:
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            if route.request.resource_type != "image":
                attempted.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return attempted


def test_swagger_ui_draws_every_area_without_internet(site: Site, page: Page) -> None:
    attempted = _offline(page, site)
    page.goto(f"{site.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kaeru", timeout=30_000)
    # The operations are listed (the scan endpoint, hit by every handheld, among them).
    scans = page.locator(".opblock-summary-path", has_text="/api/v1/scans").first
    expect(scans).to_be_visible(timeout=30_000)
    assert page.locator(".opblock").count() > 50
    assert attempted == [], f"/docs reached outside the server: {attempted}"


def test_redoc_draws_the_api_without_internet(site: Site, page: Page) -> None:
    attempted = _offline(page, site)
    page.goto(f"{site.url}/redoc")
    expect(page.locator("h1", has_text="Kaeru")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/scans").first).to_be_attached(timeout=30_000)
    assert attempted == [], f"/redoc reached outside the server: {attempted}"
