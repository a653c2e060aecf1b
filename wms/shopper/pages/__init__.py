"""The shopper's pages: Jinja2 templates, their words in each language, and locale-aware dates and money."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import segno
import yaml
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
LOCALES = ("en", "ja", "uk")
STATIC = HERE / "static"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """One language's words (config-like data in i18n/<locale>.yaml)."""
    data = yaml.safe_load((HERE / "i18n" / f"{locale}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def translate(locale: str, key: str, **values: Any) -> str:
    """A phrase in the shopper's language (English where a language lacks it; the key where none has it)."""
    words = catalogue(locale if locale in LOCALES else "en")
    text = words.get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text


def money(amount_minor: int, currency: str, locale: str) -> str:
    exponent = int(get_currency_precision(currency))
    return str(format_currency(amount_minor / 10**exponent, currency, locale=locale))


def day(value: date | str | None, locale: str) -> str:
    if value is None or value == "":
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(when, format="full" if locale == "en" else "long", locale=locale))


def moment(value: datetime, locale: str) -> str:
    return str(format_datetime(value, format="medium", locale=locale))


def qr_svg(payload: str) -> str:
    """An inline SVG QR code (segno) for a payload such as RMA:<token>."""
    return str(segno.make(payload, error="m").svg_inline(scale=6, border=4, svgclass="qr", title=payload))


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["j2", "html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, *, locale: str, brand: Any, **context: Any) -> str:
    """A page in `locale`, in the brand's look."""

    def t(key: str, **values: Any) -> str:
        return translate(locale, key, **values)

    return (
        environment()
        .get_template(template)
        .render(
            t=t,
            locale=locale,
            locales=LOCALES,
            brand=brand,
            money=lambda amount, currency: money(amount, currency, locale),
            day=lambda value: day(value, locale),
            moment=lambda value: moment(value, locale),
            language_name=lambda code: catalogue(code)["lang_name"],
            **context,
        )
    )
