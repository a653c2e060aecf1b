"""Shopper emails from Jinja2 templates: one source per topic and locale, rendered as HTML and as text.

A topic template (templates/<locale>/<topic>.j2) writes its subject and its body as plain
paragraphs; the layouts (_layout.html.j2, _layout.txt.j2) add the brand, the call to action, the
inline QR code and the footer. Missing context is an error (StrictUndefined): a message that cannot
be rendered is poison and goes to dead-letter with the reason, rather than reaching a shopper with
holes in it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import segno
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from markupsafe import Markup

from wms.notify.config import Brand
from wms.notify.model import LOCALES, Poison, choose_locale
from wms.notify.topics import TOPICS, unsubscribe_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
QR_CID = "rma-qr"


@dataclass(frozen=True)
class InlineImage:
    cid: str
    data: bytes
    subtype: str = "png"


@dataclass(frozen=True)
class RenderedEmail:
    locale: str
    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...] = ()


def money(amount_minor: int, currency: str, locale: str) -> str:
    """An amount in minor units, formatted for the shopper: 1200 JPY -> ￥1,200; 1250 UAH (uk) -> 12,50 ₴."""
    exponent = get_currency_precision(currency.upper())
    return str(format_currency(Decimal(int(amount_minor)).scaleb(-exponent), currency.upper(), locale=locale))


def long_date(value: str | date | datetime | None, locale: str) -> str:
    if value in (None, ""):
        return ""
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(when, datetime):
        when = when.date()
    return str(format_date(when, format="long", locale=locale))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its lines stripped and blank edges removed."""
    blocks, current = [], []
    for line in str(text).splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def html_paragraph(block: str) -> Markup:
    """A paragraph as HTML: lines starting with '• ' become a list, other lines break with <br>.

    `block` comes from a block rendered by the autoescaping environment: already escaped.
    """
    lines = [Markup(line) for line in block.split("\n")]  # noqa: S704 - escaped when the block was rendered
    if all(line.startswith("• ") for line in lines):
        return Markup("<ul>{}</ul>").format(
            Markup("").join(Markup("<li>{}</li>").format(line[2:]) for line in lines)
        )
    return Markup("<p>{}</p>").format(Markup("<br>").join(lines))


def order_total(lines: list[dict[str, Any]]) -> int:
    return sum(int(line.get("unit_price_minor") or 0) * int(line["quantity"]) for line in lines)


def _environment(autoescape: bool) -> jinja2.Environment:
    # The plain-text part is not HTML: it is rendered without escaping; the HTML part escapes everything.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,  # noqa: S701 - False only for the text/plain part
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["paragraphs"] = paragraphs
    env.filters["html_paragraph"] = html_paragraph
    return env


@lru_cache(maxsize=2)
def environment(autoescape: bool) -> jinja2.Environment:
    return _environment(autoescape)


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def render_email(
    *, template: str, locale: str | None, name: str, context: dict[str, Any], brand: Brand
) -> RenderedEmail:
    """Render one topic's email in the shopper's language (falling back to English)."""
    chosen = choose_locale(locale, LOCALES)
    topic = TOPICS.get(template)
    if topic is None:
        raise Poison(f"no email template for topic {template!r}")
    unsubscribe = unsubscribe_url(context, brand.base_url)
    if topic.marketing and not unsubscribe:
        raise Poison(f"{template} is a marketing message and needs unsubscribe_token in its context")
    qr_payload = topic.qr(context)
    images = (InlineImage(QR_CID, qr_png(qr_payload)),) if qr_payload else ()
    variables: dict[str, Any] = {
        **context,
        "name": name or "",
        "brand": brand,
        "base_url": brand.base_url,
        "locale": chosen,
        "action_url": topic.action(context, brand.base_url) or "",
        "unsubscribe_url": unsubscribe or "",
        "qr_payload": qr_payload or "",
        "qr_cid": QR_CID if qr_payload else "",
        "money": lambda amount, currency: money(amount, currency, chosen),
        "date": lambda value: long_date(value, chosen),
        "total": order_total,
    }
    path = f"{chosen}/{template}.j2"
    try:
        text_template = environment(False).get_template(path)
        subject = " ".join(
            "".join(
                text_template.blocks["subject"](
                    text_template.new_context(variables | {"layout": "_layout.txt.j2"})
                )
            ).split()
        )
        text = text_template.render(variables | {"layout": "_layout.txt.j2", "subject": subject})
        html = (
            environment(True)
            .get_template(path)
            .render(variables | {"layout": "_layout.html.j2", "subject": subject})
        )
    except jinja2.TemplateNotFound as exc:
        raise Poison(f"no {chosen} template for {template}: {exc}") from exc
    except (jinja2.TemplateError, KeyError, TypeError, ValueError) as exc:
        raise Poison(f"template {path} could not be rendered: {type(exc).__name__}: {exc}") from exc
    return RenderedEmail(chosen, subject, text.strip() + "\n", html, images)
