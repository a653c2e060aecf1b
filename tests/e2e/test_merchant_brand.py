"""A return of the floor's second merchant, worked at a shared station: everything the shopper and the
merchant's systems get carries that merchant's brand, not the default merchant's — read back from
the station's answer, the rendered grade tag, the e-mails a real SMTP server received, the tracking
page, and the webhooks a real HTTP listener received, signed with that merchant's own secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from email.header import decode_header, make_header

import pytest
from sqlmodel import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.floor import Floor
from tests.integration.notify.conftest import FAST_RETRY, Hooks, Inbox, drain, hooks, settled, smtp  # noqa: F401
from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    authorise,
    ean_scan,
    grade,
    gtin,
    ship,
    start_station,
)
from wms.context import Kaeru
from wms.notify.config import RelaySpec, SmtpServer, load
from wms.notify.plugin import channels_for
from wms.notify.print_labels import label_for
from wms.notify.relay import Relay
from wms.platform.tables import OutboxMessage

SAKURA_SECRET = "whsec_c2FrdXJhLXNlY3JldC1mb3ItdGVzdHMtb25seQ=="
KAERU_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _text(message: object) -> str:
    parts = [p.get_content() for p in message.walk() if p.get_content_type() in ("text/plain", "text/html")]  # type: ignore[attr-defined]
    return "\n".join(parts)


def test_a_second_merchants_return_wears_its_brand_everywhere(
    floor: Floor,
    monkeypatch: pytest.MonkeyPatch,
    smtp: tuple[Inbox, int],  # noqa: F811 - fixtures imported above
    hooks: tuple[Hooks, str],  # noqa: F811
) -> None:
    inbox, smtp_port = smtp
    receiver, hook_url = hooks
    # Both merchants' endpoints go to the one listener, each signed with its own secret.
    monkeypatch.setenv("KAERU_SAKURA_WEBHOOK_URL", hook_url + "/sakura")
    monkeypatch.setenv("KAERU_SAKURA_WEBHOOK_SECRET", SAKURA_SECRET)
    monkeypatch.setenv("KAERU_WEBHOOK_URL", hook_url + "/kaeru")
    monkeypatch.setenv("KAERU_WEBHOOK_SECRET", KAERU_SECRET)

    floor.item("VASE", gtin=gtin(7701), weight_g=400, price_minor=6000, category="apparel", merchant="SAKURA")
    floor.receive("VASE", 2, "A-01-1", merchant="SAKURA")
    order = ship(floor, "SKR-1", [("VASE", 1)], email="yuki@example.jp", locale="ja", merchant="SAKURA")
    assert order["merchant"] == "SAKURA"
    rma = authorise(
        floor, order, [{"sku": "VASE", "quantity": 1, "reason": "changed_mind", "outcome": "refund"}]
    )
    assert rma["merchant"] == "SAKURA"
    assert rma["brand"] == "Sakura Home & Living"

    # The station shows whose parcel it is.
    start_station(floor)
    parcel = floor.scan(rma["qr_payload"], "associate")["data"]["parcel"]
    assert (parcel["merchant"], parcel["brand"]) == ("SAKURA", "Sakura Home & Living")
    unit = floor.scan(ean_scan(gtin(7701)), "associate")["data"]["units"][0]
    graded = grade(floor, unit["id"], LIKE_NEW_APPAREL)

    # The grade tag names the unit's owner: rendered from the print job the station queued.
    with floor.kaeru.db.read() as session:
        tag = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.channel == "print", OutboxMessage.topic == "print.grade_tag"
            )
        ).one()
    assert tag.merchant_id is not None
    assert tag.payload["owner"] == "SAKURA"
    request = label_for(tag.payload, warehouse=_warehouse_address(), today=date.today())
    assert request.data.heading == "SAKURA / VASE"  # type: ignore[attr-defined]
    import labels

    zpl = labels.render(request.kind, request.data, "zpl", locale=request.locale).decode()
    assert "SAKURA" in zpl
    assert graded["lpn"] in zpl

    # The tracking page is the merchant's.
    page = floor.client.get(f"/t/{order['tracking_token']}")
    assert "Sakura Home &amp; Living" in page.text
    assert "Kaeru Outfitters" not in page.text

    config = load(floor.kaeru.settings.config_dir, floor.kaeru.settings)
    config = replace(config, smtp=SmtpServer("127.0.0.1", smtp_port, timeout_seconds=5))
    relay = Relay(
        floor.kaeru.db,
        channels_for(floor.kaeru, config),
        policy=FAST_RETRY,
        spec=RelaySpec(poll_seconds=0.02, lease_seconds=30),
    )
    asyncio.run(drain(relay, lambda: settled(floor.kaeru), within=60))

    to_yuki = [m for m in inbox.messages if "yuki@example.jp" in str(m["To"])]
    assert len(to_yuki) >= 4  # confirmed, shipped, delivered, return authorised, ...
    for message in to_yuki:
        assert "hello@sakura-home.example" in str(message["From"])
        body = _text(message)
        assert "Sakura Home" in body
        assert "Kaeru Outfitters" not in body
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in to_yuki]
    assert any(rma["code"] in s for s in subjects)

    sakura = [
        (h, b)
        for h, b in receiver.requests
        if json.loads(b)["data"].get("order", {}).get("number") == "SKR-1" or rma["code"] in b.decode()
    ]
    assert sakura, receiver.types()
    for headers, body in sakura:
        Webhook(SAKURA_SECRET).verify(body, headers)  # raises if not signed with SAKURA's secret
        with pytest.raises(WebhookVerificationError):
            Webhook(KAERU_SECRET).verify(body, headers)
    assert "return.graded" in {json.loads(b)["type"] for _, b in sakura}


def _warehouse_address():  # type: ignore[no-untyped-def]
    from labels.model import Address

    return Address(
        name="Kaeru Demo FC", lines=("100 Dock Road",), city="Memphis", postal_code="38118", country="US"
    )
