"""Email: a rendered message becomes a MIME message (encoder), which SMTP carries (transport).

The Message-ID is derived from the outbox message id, so a message re-sent after a relay restart
carries the same Message-ID and the receiving side can recognise it.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, cast

import aiosmtplib

from wms.notify.channel import Outgoing
from wms.notify.config import Brand, SmtpServer
from wms.notify.model import Poison, Retry, email_message_id, smtp_failure
from wms.notify.render import RenderedEmail, render_email


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "kaeru.local"


def build_email(
    rendered: RenderedEmail, *, sender: str, to: str, name: str, message_id: str, topic: str
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, inline images related to the HTML part."""
    if "@" not in to:
        raise Poison(f"not an email address: {to!r}")
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    display = name.replace("\r", " ").replace("\n", " ")
    local, _, domain = to.partition("@")
    try:
        message["To"] = Address(display_name=display, username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise Poison(f"not an email address: {to!r}") from exc
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = email_message_id(message_id, sender_domain(sender))
    message["Content-Language"] = rendered.locale
    message["X-Kaeru-Message-Id"] = message_id
    message["X-Kaeru-Topic"] = topic
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    html_part = cast(EmailMessage, message.get_payload()[1])  # type: ignore[index]
    for image in rendered.images:
        html_part.add_related(
            image.data,
            maintype="image",
            subtype=image.subtype,
            cid=f"<{image.cid}>",
            disposition="inline",
            filename=f"{image.cid}.{image.subtype}",
        )
    return message


class SmtpChannel:
    """Sends outbox email rows {"template", "to", "name", "locale", "context"} through one SMTP server."""

    def __init__(
        self,
        server: SmtpServer,
        brand: Brand | Callable[[int | None], Brand],
        *,
        sends: Callable[[int | None, str], bool] | None = None,
    ) -> None:
        """`brand`: one brand, or the brand of a merchant (by id; None: the default merchant's).
        `sends`: whether a merchant sends e-mails of a topic (None: every topic)."""
        self.server = server
        self._brand = brand if callable(brand) else (lambda _merchant, fixed=brand: fixed)
        self._sends = sends

    def split(self, message: Outgoing) -> list[tuple[str, dict[str, Any]]] | None:
        """Nothing to send (marked delivered with the reason) when the merchant does not send this topic."""
        if self._sends is None or self._sends(message.payload.get("merchant_id"), message.topic):
            return None
        return []

    def encode(self, message: Outgoing) -> EmailMessage:
        payload = message.payload
        template = payload.get("template") or message.topic
        brand = self._brand(payload.get("merchant_id"))
        rendered = render_email(
            template=template,
            locale=payload.get("locale"),
            name=payload.get("name") or "",
            context=payload.get("context") or {},
            brand=brand,
        )
        return build_email(
            rendered,
            sender=brand.sender,
            to=str(payload.get("to") or ""),
            name=payload.get("name") or "",
            message_id=message.message_id,
            topic=message.topic,
        )

    async def deliver(self, message: Outgoing) -> None:
        email = self.encode(message)
        server = self.server
        try:
            await aiosmtplib.send(
                email,
                hostname=server.host,
                port=server.port,
                timeout=server.timeout_seconds,
                start_tls=server.starttls,
                username=server.username or None,
                password=server.password or None,
                tls_context=ssl.create_default_context() if server.starttls else None,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            worst = max((r.code for r in exc.recipients), default=450)
            raise smtp_failure(worst, "; ".join(r.message for r in exc.recipients)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise smtp_failure(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise Retry(f"SMTP {server.host}:{server.port}: {type(exc).__name__}: {exc}") from exc
