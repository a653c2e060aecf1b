"""The relay delivers to a real SMTP server and a real webhook listener, in the shopper's language."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlmodel import col, select
from standardwebhooks.webhooks import Webhook

from tests.integration.notify.conftest import (
    SECRET,
    Hooks,
    Inbox,
    add_shopper,
    drain,
    make_relay,
    notify,
)
from wms.context import Kaeru
from wms.notify.topics import TOPICS
from wms.platform.outbox import enqueue
from wms.platform.tables import OutboxMessage


def _states(kaeru: Kaeru) -> dict[str, str]:
    with kaeru.db.read() as session:
        return {
            m.message_id: m.state for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        }


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("locale", "subject", "phrase"),
    [
        (
            "ja-JP",
            "返品商品の確認が完了しました（返品番号 RMA-20311）",
            "ご返送いただいた商品の確認が完了しました",
        ),
        ("uk", "Ми перевірили товари з повернення RMA-20311", "Ми перевірили товари, які ви надіслали"),
    ],
    ids=["ja", "uk"],
)
async def test_a_graded_return_email_reaches_the_smtp_server_in_the_shoppers_language(
    kaeru: Kaeru, smtp: tuple[Inbox, int], locale: str, subject: str, phrase: str
) -> None:
    inbox, port = smtp
    shopper = add_shopper(kaeru, "shopper@example.com", locale=locale)
    notify(kaeru, shopper, "return.graded", TOPICS["return.graded"].sample, "return.graded:1")
    relay = make_relay(kaeru, smtp_port=port)
    await drain(relay, lambda: _states(kaeru).get("email:return.graded:1") == "delivered")
    [message] = inbox.messages
    assert message["Subject"] == subject
    assert message["To"].addresses[0].addr_spec == "shopper@example.com"
    assert phrase in _body(message, "plain")
    assert phrase in _body(message, "html")
    assert message["X-Kaeru-Message-Id"] == "email:return.graded:1"


async def test_a_webhook_reaches_the_brand_with_a_signature_that_verifies(
    kaeru: Kaeru, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    shopper = add_shopper(kaeru, "shopper@example.com", locale="en")
    notify(kaeru, shopper, "refund.issued", TOPICS["refund.issued"].sample, "refund.issued:5")
    relay = make_relay(kaeru, hook_url=url)
    await drain(relay, lambda: _states(kaeru).get("webhook:refund.issued:5>brand") == "delivered")
    [(headers, body)] = receiver.requests
    event = Webhook(SECRET).verify(body, headers)
    assert event["type"] == "refund.issued"
    assert event["data"]["refund"]["amount_minor"] == 2250
    assert headers["webhook-id"] == "webhook:refund.issued:5"


async def test_a_receiver_failing_n_times_gets_the_message_n_plus_one_times(
    kaeru: Kaeru, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    receiver.answers = [503, 500, 429]
    kaeru.db.write(
        lambda s: enqueue(
            s,
            channel="webhook",
            topic="return.received",
            message_id="w1",
            payload={"type": "return.received", "data": {"rma": "RMA-7"}},
        )
    )
    relay = make_relay(kaeru, hook_url=url)
    await drain(relay, lambda: _states(kaeru).get("w1>brand") == "delivered")
    assert len(receiver.requests) == 4
    assert {headers["webhook-id"] for headers, _ in receiver.requests} == {"w1"}


async def test_a_receiver_that_never_recovers_sends_the_message_to_dead_letter(
    kaeru: Kaeru, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    receiver.answers = [503] * 10
    kaeru.db.write(
        lambda s: enqueue(
            s,
            channel="webhook",
            topic="return.received",
            message_id="w2",
            payload={"type": "return.received", "data": {}},
        )
    )
    relay = make_relay(kaeru, hook_url=url)
    await drain(relay, lambda: _states(kaeru).get("w2>brand") == "dead")
    assert len(receiver.requests) == 5
    with kaeru.db.read() as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == "w2>brand")).one()
    assert "gave up after 5 attempts: brand: HTTP 503" in row.last_error


async def test_a_poisoned_message_goes_to_dead_letter_and_the_rest_are_delivered(
    kaeru: Kaeru, smtp: tuple[Inbox, int], hooks: tuple[Hooks, str]
) -> None:
    inbox, port = smtp
    receiver, url = hooks
    receiver.refused = {"return.on_hold": 400}  # this webhook is refused for good, whenever it comes
    shopper = add_shopper(kaeru, "shopper@example.com", locale="en")

    def work(session):  # type: ignore[no-untyped-def]
        enqueue(
            session,
            channel="webhook",
            topic="return.on_hold",
            message_id="refused",
            payload={"type": "return.on_hold", "data": {}},
        )
        enqueue(
            session,
            channel="email",
            topic="order.shipped",
            message_id="broken",
            payload={"template": "order.shipped", "to": shopper.email, "locale": "en", "context": {}},
        )
        for n in range(3):
            enqueue(
                session,
                channel="email",
                topic="order.delivered",
                message_id=f"good-{n}",
                payload={
                    "template": "order.delivered",
                    "to": shopper.email,
                    "locale": "en",
                    "context": TOPICS["order.delivered"].sample,
                },
            )
        enqueue(
            session,
            channel="webhook",
            topic="order.delivered",
            message_id="good-hook",
            payload={"type": "order.delivered", "data": {}},
        )

    kaeru.db.write(work)
    relay = make_relay(kaeru, smtp_port=port, hook_url=url)
    await drain(relay, lambda: all(s in ("delivered", "dead") for s in _states(kaeru).values()))
    states = _states(kaeru)
    assert states["refused>brand"] == "dead"
    assert states["broken"] == "dead"
    assert [states[f"good-{n}"] for n in range(3)] == ["delivered"] * 3
    assert states["good-hook>brand"] == "delivered"
    assert len(inbox.messages) == 3
    with kaeru.db.read() as session:
        broken = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == "broken")).one()
    assert broken.last_error.startswith("poison: template en/order.shipped.j2")
    assert broken.attempts == 1


async def test_an_smtp_server_refusing_the_recipient_for_good_dead_letters_the_email(
    kaeru: Kaeru, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    kaeru.db.write(
        lambda s: enqueue(
            s,
            channel="email",
            topic="order.delivered",
            message_id="bad-rcpt",
            payload={
                "template": "order.delivered",
                "to": "a b@@example.com",
                "locale": "en",
                "context": TOPICS["order.delivered"].sample,
            },
        )
    )
    relay = make_relay(kaeru, smtp_port=port)
    await drain(relay, lambda: _states(kaeru)["bad-rcpt"] == "dead")
    assert inbox.messages == []


async def test_an_unreachable_smtp_server_is_retried_not_dead_lettered(kaeru: Kaeru) -> None:
    from tests.live_server import free_port

    kaeru.db.write(
        lambda s: enqueue(
            s,
            channel="email",
            topic="order.delivered",
            message_id="later",
            payload={
                "template": "order.delivered",
                "to": "sam@example.com",
                "locale": "en",
                "context": TOPICS["order.delivered"].sample,
            },
        )
    )
    relay = make_relay(kaeru, smtp_port=free_port())
    assert await relay.run_once() == 1
    with kaeru.db.read() as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == "later")).one()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "SMTP 127.0.0.1" in row.last_error


async def test_a_webhook_of_a_topic_no_endpoint_wants_is_settled_without_sending(
    kaeru: Kaeru, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    relay = make_relay(kaeru, hook_url=url, hook_topics=("order.*",))
    kaeru.db.write(
        lambda s: enqueue(
            s,
            channel="webhook",
            topic="scan.recorded",
            message_id="quiet",
            payload={"type": "scan.recorded", "data": {}},
        )
    )
    await relay.run_once()
    assert _states(kaeru) == {"quiet": "delivered"}
    assert receiver.requests == []
