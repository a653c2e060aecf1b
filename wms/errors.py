"""Domain errors: what went wrong, in words a person on the floor can act on.

They say nothing of HTTP: `wms.error_status` gives each kind its status code for the API, and the
same errors raised by a scan, a relay or a command-line tool mean the same thing there.
"""

from __future__ import annotations

from string import Formatter
from typing import Any


def fill(template: str, params: dict[str, Any]) -> str:
    """`template` with its {name} fields filled from `params`; a template that does not fit is kept as is."""
    if "{" not in template:
        return template
    try:
        return Formatter().vformat(template, (), params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


class Text(str):
    """A sentence in English that keeps its template and parameters, so that the HTTP boundary can say
    it again in the listener's language (wms.i18n): the template is the message id of the catalogs.

    It is a `str`, so the code that makes and passes sentences around needs no change, and the pure
    models stay pure: nothing here looks up a language.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Text:
        made = super().__new__(cls, fill(template, params))
        made.template, made.params = template, params
        return made

    def __reduce__(self) -> Any:
        return (_text, (self.template, self.params))


def _text(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


class KaeruError(Exception):
    """A request that cannot be carried out as asked; `code` is stable for programs to test.

    The message is a template whose {name} fields are filled from the details
    (`Invalid("no order {number}", number=n)`), so it can be translated where it meets a person.
    """

    code = "bad_request"

    def __init__(self, message: str, /, **details: Any) -> None:
        text = message if isinstance(message, Text) else Text(message, **details)
        super().__init__(text)
        self.message = text
        self.details = details

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": str(self.message),
            "message_id": self.message.template,
            **({"params": self.message.params} if self.message.params else {}),
            **({"details": self.details} if self.details else {}),
        }


class Invalid(KaeruError):
    """The request itself is wrong: a malformed value, an unknown code, a quantity out of range."""

    code = "invalid"


class NotFound(KaeruError):
    """No such object, or none the caller may see."""

    code = "not_found"


class Forbidden(KaeruError):
    """The caller is known but may not do this."""

    code = "forbidden"


class Unauthorised(KaeruError):
    """The caller is not signed in (no token, or one that is unknown, expired or revoked)."""

    code = "unauthorised"


class Conflict(KaeruError):
    """The request is well formed but the state of things does not allow it now."""

    code = "conflict"


class Ambiguous(Conflict):
    """A code that names objects of several merchants, and nothing in the request says whose."""

    code = "ambiguous"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class IllegalTransition(Conflict):
    """An object asked to move to a state its lifecycle does not allow from where it is."""

    code = "illegal_transition"
