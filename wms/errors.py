"""Domain errors with the HTTP status and a message a person on the floor can act on."""

from __future__ import annotations

from typing import Any


class KaeruError(Exception):
    status_code = 400
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
    status_code = 422
    code = "invalid"


class NotFound(KaeruError):
    status_code = 404
    code = "not_found"


class Forbidden(KaeruError):
    status_code = 403
    code = "forbidden"


class Unauthorised(KaeruError):
    status_code = 401
    code = "unauthorised"


class Conflict(KaeruError):
    status_code = 409
    code = "conflict"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
