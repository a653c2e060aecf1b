"""Domain errors: what went wrong, in words a person on the floor can act on.

They say nothing of HTTP: `wms.error_status` gives each kind its status code for the API, and the
same errors raised by a scan, a relay or a command-line tool mean the same thing there.
"""

from __future__ import annotations

from typing import Any


class KaeruError(Exception):
    """A request that cannot be carried out as asked; `code` is stable for programs to test."""

    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": self.message,
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
