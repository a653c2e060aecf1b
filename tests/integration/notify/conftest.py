"""Real receivers for the relay: an SMTP server (aiosmtpd) and an HTTP listener, both on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlmodel import col, select

from tests.live_server import free_port
from wms.context import Kaeru
from wms.fulfilment.tables import Shopper
from wms.merchants.service import default_merchant
from wms.notify.config import Brand, Endpoint, RelaySpec, SmtpServer
from wms.notify.email import SmtpChannel
from wms.notify.model import RetryPolicy
from wms.notify.relay import Relay
from wms.notify.webhook import WebhookChannel
from wms.platform.notify import notify_shopper
from wms.platform.tables import OutboxMessage

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BRAND = Brand(
    name="Kaeru Outfitters",
    primary_colour="#0f766e",
    accent_colour="#f59e0b",
    logo_url="",
    sender="Kaeru Outfitters <orders@kaeru.test>",
    support_email="help@kaeru.test",
    base_url="https://shop.kaeru.test",
)
FAST_RETRY = RetryPolicy(max_attempts=5, base_seconds=0.01, cap_seconds=0.05)


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Hooks:
    """What a brand's webhook receiver saw, and the statuses it answers with (then 204)."""

    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.refused: dict[str, int] = {}  # event type -> the status every such event gets
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.requests.append((headers, body))
            refused = self.refused.get(json.loads(body).get("type", ""))
            if refused is not None:
                return refused
            return self.answers.pop(0) if self.answers else 204

    def types(self) -> list[str]:
        return [json.loads(body)["type"] for _, body in self.requests]


@pytest.fixture
def hooks() -> Iterator[tuple[Hooks, str]]:
    receiver = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks/kaeru"
    server.shutdown()
    server.server_close()


def make_relay(
    kaeru: Kaeru,
    *,
    smtp_port: int = 9,
    hook_url: str | None = None,
    hook_topics: tuple[str, ...] = ("*",),
    policy: RetryPolicy = FAST_RETRY,
    spec: RelaySpec | None = None,
) -> Relay:
    endpoints = (Endpoint("brand", hook_url, SECRET, hook_topics, 5.0),) if hook_url else ()
    channels = {
        "email": SmtpChannel(SmtpServer("127.0.0.1", smtp_port, timeout_seconds=5), BRAND),
        "webhook": WebhookChannel(endpoints),
    }
    return Relay(
        kaeru.db, channels, policy=policy, spec=spec or RelaySpec(poll_seconds=0.02, lease_seconds=30)
    )


def add_shopper(kaeru: Kaeru, email_address: str, *, locale: str, name: str = "Sam") -> Shopper:
    def work(session):  # type: ignore[no-untyped-def]
        shopper = Shopper(
            merchant_id=default_merchant(session).id, email=email_address, name=name, locale=locale
        )
        session.add(shopper)
        session.flush()
        return shopper

    return kaeru.db.write(work)


def notify(kaeru: Kaeru, shopper: Shopper, topic: str, context: dict[str, Any], key: str) -> None:
    kaeru.db.write(
        lambda s: notify_shopper(
            s, topic=topic, shopper=shopper, context=context, warehouse_id=None, dedupe_key=key
        )
    )


def settled(kaeru: Kaeru) -> bool:
    """Every e-mail and webhook in the outbox delivered or given up on."""
    with kaeru.db.read() as session:
        rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.channel).in_(["email", "webhook"]))
        ).all()
    return all(r.state in ("delivered", "dead") for r in rows)


async def drain(relay: Relay, done: Callable[[], bool], *, within: float = 10.0) -> None:
    """Run the relay's batches until `done()` holds."""
    import asyncio

    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "the relay did not finish in time"
        await relay.run_once()
        await asyncio.sleep(0.01)
