"""The HTTP status of each kind of domain error: the one place where errors meet HTTP."""

from __future__ import annotations

from wms.errors import Conflict, Forbidden, Invalid, KaeruError, NotFound, Unauthorised

HTTP_STATUS: dict[type[KaeruError], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthorised: 401,
    Conflict: 409,
    KaeruError: 400,
}


def status_of(error: KaeruError) -> int:
    """The status of the nearest kind of error in the class's ancestry (a subclass inherits it)."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]  # type: ignore[index]
    return 400
