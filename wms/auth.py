"""FastAPI dependencies: the caller's identity and the permission each endpoint needs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from wms import i18n
from wms.context import Kaeru
from wms.errors import Forbidden, Unauthorised
from wms.identity.model import Principal
from wms.identity.service import principal_for_token


# The dependencies below are async: they do no blocking work on the hot path, and a sync dependency
# costs a trip through the thread pool on every request (most of a scan's HTTP overhead).
async def get_kaeru(request: Request) -> Kaeru:
    return request.app.state.kaeru  # type: ignore[no-any-return]


KaeruDep = Annotated[Kaeru, Depends(get_kaeru)]


# Token -> (principal, looked up at). A scan arrives every few hundred milliseconds from each
# handheld; looking its token up once every few seconds instead of per scan keeps the scan path
# short. A revoked token or disabled account stops working within this many seconds.
PRINCIPAL_TTL_S = 5.0
_principals: dict[str, tuple[Principal, float]] = {}


async def current_principal(
    kaeru: KaeruDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return await principal_of(kaeru, authorization)


async def principal_of(kaeru: Kaeru, authorization: str | None) -> Principal:
    """The caller of a request, from its bearer token (looked up at most every PRINCIPAL_TTL_S)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorised("sign in first: send 'Authorization: Bearer <token>'")
    token = authorization.split(" ", 1)[1].strip()
    cache_key = f"{id(kaeru)}:{token}"
    cached = _principals.get(cache_key)
    now = time.monotonic()
    if cached is not None and now - cached[1] < PRINCIPAL_TTL_S:
        i18n.note_user(cached[0].locale)
        return cached[0]
    principal = await run_in_threadpool(_look_up, kaeru, token)
    if len(_principals) > 10_000:
        _principals.clear()
    _principals[cache_key] = (principal, now)
    i18n.note_user(principal.locale)
    return principal


def _look_up(kaeru: Kaeru, token: str) -> Principal:
    with kaeru.db.read() as session:
        return principal_for_token(session, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through only callers who hold `permission`: staff and integrators by their
    role (wms.identity.model.PERMISSIONS), devices by their station's kind (STATION_PERMISSIONS)."""

    # One flat dependency (the caller and the check together): FastAPI resolves each nested
    # dependency on every request, and this one guards the busiest endpoints (scans).
    async def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
        principal = await principal_of(request.app.state.kaeru, authorization)
        if not principal.can(permission):
            raise Forbidden(principal.refusal(permission))
        return principal

    check.kaeru_permission = permission  # type: ignore[attr-defined] # read by wms.openapi
    return check


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
