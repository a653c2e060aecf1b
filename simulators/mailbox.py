"""A local mailbox for the demo: an SMTP server (aiosmtpd) keeping every message it receives, and a
small page listing them, so the shoppers' emails Kaeru sends can be read without a mail account.

GET /                   the messages, newest first
GET /messages/{n}       one message (its HTML part as sent, else its text)
GET /api/messages       the list as JSON
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from jinja2 import Environment


@dataclass(frozen=True)
class Mail:
    number: int
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    language: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "from": self.sender,
            "to": list(self.to),
            "subject": self.subject,
            "language": self.language,
            "at": self.at.isoformat(),
            "text": self.text,
        }


def read_mail(number: int, envelope_from: str, recipients: list[str], data: bytes) -> Mail:
    """A received message as the mailbox keeps it (subject decoded, text and HTML parts apart)."""
    message = message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage):  # policy.default always builds EmailMessage
        raise TypeError(f"unexpected message class {type(message).__name__}")
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return Mail(
        number=number,
        sender=str(message.get("From", envelope_from)),
        to=tuple(recipients),
        subject=str(message.get("Subject", "")),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        language=str(message.get("Content-Language", "")),
    )


class Mailbox:
    """What the SMTP server received, newest last, up to `keep` messages."""

    def __init__(self, keep: int = 1000) -> None:
        self.mail: deque[Mail] = deque(maxlen=keep)
        self._numbers = itertools.count(1)
        self.received = asyncio.Event()

    # aiosmtpd handler hook
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode()
        self.mail.append(
            read_mail(next(self._numbers), envelope.mail_from or "", list(envelope.rcpt_tos), data)
        )
        self.received.set()
        return "250 Message accepted for delivery"

    def newest_first(self) -> list[Mail]:
        return list(reversed(self.mail))

    def get(self, number: int) -> Mail | None:
        return next((m for m in self.mail if m.number == number), None)


_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Kaeru demo mailbox</title>
<style>
body { font-family: sans-serif; margin: 1.5rem; background: #f4f4f4; }
table { border-collapse: collapse; background: #fff; width: 100%; }
td, th { padding: .4rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
</style></head><body>
<h1>Demo mailbox</h1>
<p>Every email Kaeru sent to shoppers in this demo ({{ mail|length }}), newest first.</p>
<table><tr><th>#</th><th>when (UTC)</th><th>to</th><th>subject</th><th>lang</th></tr>
{% for m in mail %}<tr><td>{{ m.number }}</td><td>{{ m.at.strftime("%H:%M:%S") }}</td>
<td>{{ m.to|join(", ") }}</td><td><a href="/messages/{{ m.number }}">{{ m.subject }}</a></td>
<td>{{ m.language }}</td></tr>
{% else %}<tr><td colspan="5">Nothing received yet.</td></tr>{% endfor %}
</table></body></html>"""
)


def create_app(mailbox: Mailbox) -> FastAPI:
    app = FastAPI(title="Kaeru demo mailbox")

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return _PAGE.render(mail=mailbox.newest_first())

    @app.get("/messages/{number}", response_class=HTMLResponse)
    async def message(number: int) -> str:
        mail = mailbox.get(number)
        if mail is None:
            raise HTTPException(404, f"no message {number}")
        if mail.html:
            return mail.html  # rendered by Kaeru's own templates
        return Environment(autoescape=True).from_string("<pre>{{ t }}</pre>").render(t=mail.text)

    @app.get("/api/messages")
    async def messages() -> list[dict[str, Any]]:
        return [m.as_dict() for m in mailbox.newest_first()]

    return app


class MailboxServer:
    """The SMTP listener and the page; `start()` binds both (port 0: any free one), `stop()` ends them."""

    def __init__(
        self,
        mailbox: Mailbox | None = None,
        *,
        host: str = "127.0.0.1",
        smtp_port: int = 8025,
        web_port: int | None = 8026,
    ) -> None:
        self.mailbox = mailbox or Mailbox()
        self.host = host
        self.smtp_port = smtp_port
        self.web_port = web_port
        self._smtp: asyncio.base_events.Server | None = None
        self._web: uvicorn.Server | None = None
        self._web_task: asyncio.Task[None] | None = None

    @property
    def web_url(self) -> str | None:
        return f"http://{self.host}:{self.web_port}/" if self.web_port is not None else None

    async def start(self) -> None:
        """Listen; OSError (address in use) if a port is taken."""
        loop = asyncio.get_running_loop()
        self._smtp = await loop.create_server(
            lambda: SMTP(self.mailbox, hostname="kaeru-mailbox"), self.host, self.smtp_port
        )
        self.smtp_port = self._smtp.sockets[0].getsockname()[1]
        if self.web_port is None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.web_port))
        except OSError:
            listener.close()
            await self.stop()
            raise
        self.web_port = listener.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.mailbox), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._web = uvicorn.Server(config)
        self._web_task = asyncio.create_task(self._web.serve(sockets=[listener]), name="mailbox page")

    async def stop(self) -> None:
        if self._web is not None:
            self._web.should_exit = True
        if self._web_task is not None:
            try:
                async with asyncio.timeout(3):
                    await self._web_task
            except (TimeoutError, asyncio.CancelledError):
                self._web_task.cancel()
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()
