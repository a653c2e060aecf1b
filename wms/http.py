"""What every router shares: one way to run a mutation (idempotent when keyed) and error bodies."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wms import i18n
from wms.context import Kaeru
from wms.error_status import status_of
from wms.errors import KaeruError, Text
from wms.identity.model import Principal
from wms.inputs import HEADER, control_character, describe_faults
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


class InputGuard:
    """Refuse, with 422 and before routing, a path, query or header value carrying a control character.

    Body fields are checked by their types (wms.inputs); what arrives in the URL and the headers is
    checked here, once for every route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = _url_or_header_fault(scope) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            status_code=422, content={"error": "invalid", "message": fault, "details": {"faults": [fault]}}
        )
        await response(scope, receive, send)


def _url_or_header_fault(scope: Scope) -> str | None:
    bad = control_character(scope.get("path", ""))
    if bad is not None:
        return f"path: must not contain control characters ({bad} found)"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        bad = control_character(name) or control_character(value)
        if bad is not None:
            return f"query.{name[:40]!r}: must not contain control characters ({bad} found)"
    for name, raw in scope.get("headers") or ():
        bad = control_character(raw.decode("latin-1"), HEADER)
        if bad is not None:
            return f"header.{name.decode('latin-1')[:40]}: must not contain control characters ({bad} found)"
    return None


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> list[str]:
    """Every method some route answers on this path (a path's GET and POST are often two routes)."""
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        if route.methods and route.path and _pattern(route.path).match(path):
            methods |= route.methods
    return sorted(methods | {"OPTIONS"}) if methods else []


@lru_cache(maxsize=512)
def _pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


class Options:
    """OPTIONS on a known path: 204 with the `Allow` of all its routes (not a 405 from the first)."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(self.routes, scope["path"])
            if methods:
                await Response(status_code=204, headers={"Allow": ", ".join(methods)})(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KaeruError)
    async def kaeru_error(_request: Request, exc: KaeruError) -> JSONResponse:
        body = exc.body() | {"message": i18n.say(exc.message)}  # in the caller's language (wms.i18n)
        return JSONResponse(status_code=status_of(exc), content=jsonable_encoder(body))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Raised by the framework itself: no route (404), a method the path does not take (405),
        # a body that is not even text (400, answered as the 422 of any other malformed body).
        status, headers = exc.status_code, dict(exc.headers or {})
        if status == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app.routes, request.url.path))
        if status == 400:
            status = 422
            form = request.headers.get("content-type", "").startswith("multipart/")
            message = f"the request body is not valid {'form data' if form else 'JSON'}: {exc.detail}"
        else:
            message = str(exc.detail)
        code = {404: "not_found", 405: "method_not_allowed", 422: "invalid"}.get(status, "bad_request")
        return JSONResponse(status_code=status, content={"error": code, "message": message}, headers=headers)

    @app.exception_handler(Refusal)
    async def refusal(_request: Request, exc: Refusal) -> JSONResponse:
        body = exc.body  # stored in English: said again in this request's language from its template
        if isinstance(body.get("message_id"), str):
            again = i18n.say(Text(body["message_id"], **(body.get("params") or {})))
            body = body | {"message": again if again != body["message_id"] else body["message"]}
        return JSONResponse(status_code=exc.status_code, content=body)

    @app.exception_handler(RequestValidationError)
    async def validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        faults = describe_faults(exc.errors())
        message = "; ".join(faults) or "the request could not be understood"
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            message = "the request body is not valid JSON: " + message
        return JSONResponse(
            status_code=422, content={"error": "invalid", "message": message, "details": {"faults": faults}}
        )
