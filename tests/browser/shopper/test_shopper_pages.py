"""The shopper's pages in a real Chromium: tracking in three languages, an exchange through the return portal
ending in the QR code, and a link that is not this order's refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page
from sqlmodel import select

from tests.browser.conftest import screenshot
from tests.browser.site import PASSWORD, STAFF, Site, _staff, prepare_database
from tests.live_server import serve
from wms.app import create_app
from wms.fulfilment.tables import Order
from wms.seed import gtin13

pytestmark = pytest.mark.browser
GTINS = {"TEE-M": gtin13("0614141", 201), "TEE-L": gtin13("0614141", 202)}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A Kaeru server in this process (uvicorn on 127.0.0.1, an ephemeral port) with two variants of a tee."""
    path = tmp_path_factory.mktemp("shop")
    kaeru = prepare_database(f"sqlite:///{path / 'kaeru.db'}", path / "media")
    _staff(kaeru)
    with (
        serve(create_app(kaeru.settings, kaeru=kaeru)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        site = Site(url=url, kaeru=kaeru, http=http, log=path / "server.log")
        for role in STAFF:
            answer = http.post("/api/v1/auth/login", json={"username": role, "password": PASSWORD})
            answer.raise_for_status()
            site.tokens[role] = answer.json()["token"]
        yield _stock(site)
    kaeru.db.dispose()


def _stock(site: Site) -> Site:
    for sku, gtin in GTINS.items():
        site.call(
            "POST",
            "/api/v1/items",
            expect=201,
            json={
                "sku": sku,
                "gtin": gtin,
                "name": "Tee",
                "variant_group": "tee",
                "variant_label": sku[-1],
                "weight_g": 250,
                "category": "apparel",
                "price_minor": 2500,
            },
        )
    site.receive("TEE-M", 10, "A-01-1")
    site.receive("TEE-L", 10, "A-01-2")
    return site


def _delivered(site: Site, number: str, *, locale: str = "en") -> str:
    """An order shipped and delivered through the API; its tracking token."""
    site.order(number, [("TEE-M", 1)], locale=locale)
    site.release([number])
    site.pick_all(GTINS)
    carton = site.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": number})
    site.call("POST", "/api/v1/scans", "packer", json={"raw": f"]E0{GTINS['TEE-M'][1:]}"})
    closed = site.call(
        "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": 250 + 180}
    )
    tracking = closed["shipment"]["tracking_number"]
    site.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    site.call(
        "POST",
        "/api/v1/tracking/events",
        "integrator",
        json={
            "tracking_number": tracking,
            "kind": "delivered",
            "at": datetime.now(UTC).isoformat(),
            "location": "Front porch",
        },
    )
    with site.kaeru.db.read() as session:
        return session.exec(select(Order).where(Order.number == number)).one().tracking_token


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.parametrize(
    ("lang", "heading", "delivered"),
    [
        ("en", "Order B-1", "Delivered"),
        ("ja", "ご注文 B-1", "お届けしました"),
        ("uk", "Замовлення B-1", "Доставлено"),
    ],
)
def test_the_tracking_page_renders_in_each_language(
    shop: Site, phone: Page, lang: str, heading: str, delivered: str
) -> None:
    token = shop.kaeru.extras.get("b1") or _delivered(shop, "B-1")
    shop.kaeru.extras["b1"] = token
    phone.goto(f"{shop.url}/t/{token}?lang={lang}")
    assert phone.locator("html").get_attribute("lang") == lang
    assert phone.locator("h1").inner_text() == heading
    assert phone.locator("#timeline li").first.get_attribute("data-kind") == "delivered"
    assert phone.locator("#timeline li .what").first.inner_text() == delivered
    screenshot(phone, f"shopper-tracking-{lang}")


def test_a_shopper_starts_a_return_for_an_exchange_and_receives_the_qr_code(shop: Site, phone: Page) -> None:
    token = _delivered(shop, "B-2")
    phone.goto(f"{shop.url}/t/{token}")
    phone.tap("#start-return")
    phone.select_option("#qty-TEE-M", "1")
    phone.select_option("#reason-TEE-M", "size_too_small")
    phone.tap("#see-options")
    phone.locator(".option-exchange input[type=radio]").check()
    phone.select_option("#exchange-TEE-M", "TEE-L")
    phone.tap("#confirm-return")
    qr = phone.locator("#qr svg")
    qr.wait_for()
    payload = phone.locator("#qr").get_attribute("data-payload") or ""
    assert payload.startswith("RMA:")
    # The code on the screen is what a drop-off point's scanner reads.
    shot = screenshot(phone, "shopper-return-qr")
    qr.screenshot(path=str(shot.with_name("shopper-return-qr-code.png")))
    found = zxingcpp.read_barcodes(
        np.asarray(Image.open(shot.with_name("shopper-return-qr-code.png")).convert("L"))
    )
    assert [r.text for r in found] == [payload]
    assert phone.locator("#label-pdf").get_attribute("href", timeout=2000)


def test_the_page_rejects_a_token_that_is_not_this_orders(shop: Site, phone: Page) -> None:
    token = _delivered(shop, "B-3")
    mine = phone.goto(f"{shop.url}/t/{token}")
    assert mine is not None
    assert mine.status == 200
    for other in (token[:-1] + ("A" if token[-1] != "A" else "B"), "B-3", "0" * 32):
        answer = phone.goto(f"{shop.url}/t/{other}")
        assert answer is not None
        assert answer.status == 404
        assert phone.locator("body").get_attribute("data-page") == "not-found"
        assert "B-3" not in phone.content()
