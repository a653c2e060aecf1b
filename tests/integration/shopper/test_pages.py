"""The tracking page and the return portal over HTTP (server-rendered, no login)."""

from __future__ import annotations

import re

from tests.floor import Floor
from tests.integration.shopper.shop import ship, track


def test_the_tracking_page_shows_the_order_timeline_in_the_browsers_language(floor: Floor) -> None:
    order = ship(floor, "P-1", [("TEE-M", 1)])
    track(floor, order["tracking_number"], "out_for_delivery", location="Springfield, IL")
    page = floor.client.get(
        f"/t/{order['tracking_token']}", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}
    )
    assert page.status_code == 200
    assert '<html lang="uk">' in page.text
    assert "Сьогодні кур'єр привезе посилку" in page.text.replace("&#39;", "'")
    assert "Kaeru Outfitters" in page.text
    assert "--brand: #0f766e" in page.text


def test_another_orders_token_or_a_made_up_one_gets_the_not_found_page(floor: Floor) -> None:
    ship(floor, "P-2", [("TEE-M", 1)])
    for token in ("x" * 32, "P-2", "1"):
        page = floor.client.get(f"/t/{token}?lang=ja")
        assert page.status_code == 404
        assert "P-2" not in page.text
        assert "このページは見つかりませんでした" in page.text


def test_a_shopper_starts_an_exchange_in_the_portal_and_gets_the_qr_code(floor: Floor) -> None:
    order = ship(floor, "P-3", [("TEE-M", 1)])
    track(floor, order["tracking_number"], "delivered")
    token = order["tracking_token"]
    form = floor.client.get(f"/t/{token}/return")
    line_id = re.search(r'name="qty_(\d+)"', form.text).group(1)  # type: ignore[union-attr]
    options = floor.client.post(
        f"/t/{token}/return/options", data={f"qty_{line_id}": "1", f"reason_{line_id}": "size_too_small"}
    )
    assert options.status_code == 200
    assert options.text.index("option-exchange") < options.text.index("option-refund")  # exchange first
    nonce = re.search(r'name="nonce" value="([^"]+)"', options.text).group(1)  # type: ignore[union-attr]
    answer = floor.client.post(
        f"/t/{token}/return/confirm",
        follow_redirects=False,
        data={
            "nonce": nonce,
            "line": line_id,
            f"qty_{line_id}": "1",
            f"reason_{line_id}": "size_too_small",
            f"outcome_{line_id}": "exchange",
            f"exchange_{line_id}": "TEE-L",
        },
    )
    assert answer.status_code == 303
    rma_page = floor.client.get(answer.headers["location"])
    assert rma_page.status_code == 200
    assert re.search(r'data-payload="RMA:[A-Za-z0-9_-]+"', rma_page.text)
    assert "<svg" in rma_page.text
    assert "(TEE-L)" in rma_page.text
    label = floor.client.get(
        re.search(
            r'href="(/api/v1/shopper/returns/[^"]+/label\.pdf)"',  # type: ignore[union-attr]
            rma_page.text,
        ).group(1)
    )
    assert label.content.startswith(b"%PDF")
    replay = floor.client.post(
        f"/t/{token}/return/confirm",
        follow_redirects=False,
        data={
            "nonce": nonce,
            "line": line_id,
            f"qty_{line_id}": "1",
            f"reason_{line_id}": "size_too_small",
            f"outcome_{line_id}": "exchange",
            f"exchange_{line_id}": "TEE-L",
        },
    )
    assert replay.headers["location"] == answer.headers["location"]  # a double tap makes one return
