"""What the server says, in the listener's language: gettext catalogs, and the choice of language.

Sentences are made in English everywhere (`wms.errors.Text`: a template and its parameters, a plain
`str` to the code that passes it on) and translated only where they meet a person: the error
handler, the scan answer, the station's views. The catalogs are `wms/locale/<language>/LC_MESSAGES/
kaeru.po`, extracted from the code and the grading rubrics by `make i18n` (wms/locale/catalogs.py),
compiled to the `.mo` beside each one and committed (tests/unit/test_catalogs.py fails if a `.mo` is
stale or a message lacks a translation).

The language of a request: the first supported one its `Accept-Language` names (the screens send
the language they show), else the signed-in user's locale, else English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.support import Translations
from starlette.types import ASGIApp, Receive, Scope, Send

from wms.errors import Text, fill
from wms.shopper.model import parse_accept_language

DOMAIN = "kaeru"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ja", "uk")  # English is the source language: it has no catalog

_asked: ContextVar[str | None] = ContextVar("kaeru_asked_language", default=None)
_user: ContextVar[str | None] = ContextVar("kaeru_user_language", default=None)


def supported(tag: str | None) -> str | None:
    """The supported language a locale tag ('uk-UA', 'ja', 'en_GB') names, if any."""
    if not tag:
        return None
    language = tag.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def from_header(accept_language: str | None) -> str | None:
    for language in parse_accept_language(accept_language or ""):
        if language in LANGUAGES:
            return language
    return None


def current(user_locale: str | None = None) -> str:
    """The language of the request being served: asked for, else the user's, else English."""
    return _asked.get() or supported(user_locale) or _user.get() or "en"


def note_user(locale: str | None) -> None:
    """Remember the signed-in caller's locale for this request (set by wms.auth)."""
    _user.set(supported(locale))


@cache
def catalog(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def say(text: Any, language: str | None = None) -> Any:
    """`text` in `language` (the request's by default): a Text by its template and its parameters
    (those that are Text themselves are said too), a plain sentence by itself; other values as given."""
    if not isinstance(text, str):
        return text
    language = language or current()
    if language == "en":
        return str(text)
    translations = catalog(language)
    if isinstance(text, Text):
        params = {k: say(v, language) if isinstance(v, Text) else v for k, v in text.params.items()}
        return fill(translations.gettext(text.template), params)
    if not text:
        return text
    found = translations.gettext(text)
    return found if found != text else _recognised(text, language)


def said(texts: Mapping[str, str], language: str) -> str:
    """A configured text given as {language: text} (a rubric's question or explanation): the
    configuration's own words for `language` if it has them, else the catalog's for its English."""
    if language in texts:
        return texts[language]
    english = texts.get("en", "")
    return str(say(english, language))


_FIELD = re.compile(r"\{(\w+)(![rsa])?\}")


@cache
def _templates(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The catalog's templates with fields, as patterns that recognise a sentence made from them."""
    translations = catalog(language)
    ids = [m for m in getattr(translations, "_catalog", {}) if isinstance(m, str) and _FIELD.search(m)]
    made = []
    for template in sorted(ids, key=lambda t: -len(_FIELD.sub("", t))):
        pattern, seen, at = "", set(), 0
        for field in _FIELD.finditer(template):
            pattern += re.escape(template[at : field.start()].replace("{{", "{").replace("}}", "}"))
            name = field.group(1)
            pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
            at = field.end()
        pattern += re.escape(template[at:].replace("{{", "{").replace("}}", "}"))
        made.append((re.compile(pattern + r"\Z", re.DOTALL), translations.gettext(template)))
    return tuple(made)


def _recognised(text: str, language: str) -> str:
    """A sentence that was stored as words (a unit's match message): said again by the template that
    made it, its parameters as they were; a sentence no template made stays as it is."""
    for pattern, translated in _templates(language):
        found = pattern.match(text)
        if found:
            return _refill(translated, found.groupdict())
    return text


def _refill(template: str, values: dict[str, str]) -> str:
    filled = _FIELD.sub(lambda f: values.get(f.group(1), f.group(0)), template)
    return filled.replace("{{", "{").replace("}}", "}")


class Language:
    """ASGI middleware: the language the request's `Accept-Language` asks for, for everything below."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope.get("headers", ()) if k == b"accept-language"), b"")
        asked = _asked.set(from_header(header.decode("latin-1")) if header else None)
        user = _user.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            _asked.reset(asked)
            _user.reset(user)
