"""FastAPI dependencies: the caller's identity and the permission each endpoint needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from wms.context import Kaeru
from wms.errors import Forbidden, Unauthorised
from wms.identity.model import Principal
from wms.identity.service import principal_for_token


def get_kaeru(request: Request) -> Kaeru:
    return request.app.state.kaeru  # type: ignore[no-any-return]


KaeruDep = Annotated[Kaeru, Depends(get_kaeru)]


def current_principal(kaeru: KaeruDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorised("sign in first: send 'Authorization: Bearer <token>'")
    token = authorization.split(" ", 1)[1].strip()
    with kaeru.db.read() as session:
        return principal_for_token(session, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers whose role holds `permission`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"your role ({principal.role}) may not do this ({permission})")
        return principal

    return check


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
