"""FastAPI dependencies: the caller's identity and the permission each endpoint needs."""

from __future__ import annotations

import time
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


# Token -> (principal, looked up at). A scan arrives every few hundred milliseconds from each
# handheld; looking its token up once every few seconds instead of per scan keeps the scan path
# short. A revoked token or disabled account stops working within this many seconds.
PRINCIPAL_TTL_S = 5.0
_principals: dict[str, tuple[Principal, float]] = {}


def current_principal(kaeru: KaeruDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorised("sign in first: send 'Authorization: Bearer <token>'")
    token = authorization.split(" ", 1)[1].strip()
    cache_key = f"{id(kaeru)}:{token}"
    cached = _principals.get(cache_key)
    now = time.monotonic()
    if cached is not None and now - cached[1] < PRINCIPAL_TTL_S:
        return cached[0]
    with kaeru.db.read() as session:
        principal = principal_for_token(session, token)
    if len(_principals) > 10_000:
        _principals.clear()
    _principals[cache_key] = (principal, now)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers whose role holds `permission`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"your role ({principal.role}) may not do this ({permission})")
        return principal

    return check


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
