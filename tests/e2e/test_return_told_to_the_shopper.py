"""The whole return, end to end over the HTTP API, until the shopper's emails reach a real SMTP server in
their language and the brand's webhooks reach a real HTTP listener with valid signatures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from sqlmodel import select
from standardwebhooks import Webhook

from tests.floor import Floor
from tests.integration.notify.conftest import SECRET, Hooks, Inbox, drain, hooks, make_relay, settled, smtp  # noqa: F401
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
from wms.platform.tables import OutboxMessage

RETURN_TOPICS = {"return.authorised", "return.received", "return.graded", "refund.issued"}


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def test_a_graded_return_reaches_the_shopper_by_email_in_japanese_and_the_brand_by_signed_webhook(
    floor: Floor,
    smtp: tuple[Inbox, int],  # noqa: F811 - the fixture imported above
    hooks: tuple[Hooks, str],  # noqa: F811
) -> None:
    inbox, smtp_port = smtp
    receiver, hook_url = hooks
    floor.item("TEE-M", gtin=gtin(101), weight_g=250, price_minor=4000, category="apparel")
    floor.receive("TEE-M", 3, "A-01-1")
    order = ship(floor, "O-E2E", [("TEE-M", 1)], email="hana@example.jp", locale="ja")
    rma = authorise(
        floor, order, [{"sku": "TEE-M", "quantity": 1, "reason": "size_too_small", "outcome": "refund"}]
    )
    start_station(floor)
    floor.scan(rma["qr_payload"], "associate")
    unit = floor.scan(ean_scan(gtin(101)), "associate")["data"]["units"][0]
    graded = grade(floor, unit["id"], LIKE_NEW_APPAREL)
    floor.scan(f"LPN-{graded['lpn']}", "associate")
    floor.scan("LOC-A-01-1", "associate")

    relay = make_relay(floor.kaeru, smtp_port=smtp_port, hook_url=hook_url)
    asyncio.run(drain(relay, lambda: settled(floor.kaeru), within=60))

    with floor.kaeru.db.read() as session:
        dead = session.exec(select(OutboxMessage).where(OutboxMessage.state == "dead")).all()
    assert [(m.topic, m.last_error) for m in dead] == []
    to_hana = [m for m in inbox.messages if m["To"] and "hana@example.jp" in m["To"]]
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in to_hana]
    assert len(to_hana) >= len(RETURN_TOPICS) + 3  # order confirmed / shipped / delivered too
    kana_or_kanji = ("\u3040", "\u30ff"), ("\u4e00", "\u9fff")
    japanese = [s for s in subjects if any(a <= ch <= b for ch in s for a, b in kana_or_kanji)]
    assert len(japanese) == len(subjects), subjects
    assert any(rma["code"] in s for s in subjects)
    verifier = Webhook(SECRET)
    types = set()
    for headers, body in receiver.requests:
        verifier.verify(body, headers)  # raises on a bad signature
        types.add(json.loads(body)["type"])
    assert types >= RETURN_TOPICS
