"""What every router shares: one way to run a mutation (idempotent when keyed) and error bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wms.context import Kaeru
from wms.error_status import status_of
from wms.errors import KaeruError
from wms.identity.model import Principal
from wms.platform.idempotency import run_once


class Refusal(Exception):
    """A stored refusal replayed for a repeated key: the same status and body as the first time."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        self.status_code, self.body = status_code, body


def mutate(
    kaeru: Kaeru,
    client: Principal | str,
    key: str | None,
    body: Any,
    work: Callable[[Session], Any],
    *,
    require_key: bool = False,
    status: int = 200,
) -> Any:
    """Run a change in one transaction; with an Idempotency-Key, at most once per key and client.

    `client` scopes the keys: a principal, or a string such as "shopper:<token prefix>".
    """
    if key is None and not require_key:
        return kaeru.db.write(work)

    def keyed(session: Session) -> tuple[int, dict[str, Any]]:
        return status, jsonable_encoder(work(session))

    scope = client.key if isinstance(client, Principal) else client
    stored_status, response = run_once(kaeru.db, client=scope, key=key or "", body=body, work=keyed)
    if stored_status >= 400:
        raise Refusal(stored_status, response)
    return response


class BodyLimit:
    """Refuse request bodies above a size with 413 before the application reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    response = JSONResponse(
        status_code=413,
        content={"error": "too_large", "message": f"request body is larger than {limit} bytes"},
    )
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KaeruError)
    async def kaeru_error(_request: Request, exc: KaeruError) -> JSONResponse:
        return JSONResponse(status_code=status_of(exc), content=jsonable_encoder(exc.body()))

    @app.exception_handler(Refusal)
    async def refusal(_request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=exc.body)

    @app.exception_handler(RequestValidationError)
    async def validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        faults = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
            faults.append(f"{where}: {error.get('msg')}")
        message = "; ".join(faults) or "the request could not be understood"
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            message = "the request body is not valid JSON: " + message
        return JSONResponse(
            status_code=422, content={"error": "invalid", "message": message, "details": {"faults": faults}}
        )
