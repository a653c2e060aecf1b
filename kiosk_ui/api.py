"""The staff screens: pages, their scripts and styles, and the string tables, served by the main app.

The screens are clients of the public HTTP/WebSocket API (docs/architecture.md, "Layers"): nothing here reads
the database. The pages are static files; the browser signs in through /api/v1/auth/login.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from kiosk_ui.i18n import LANGUAGES, load_table

STATIC = Path(__file__).resolve().parent / "static"
PAGES = ("login", "returns", "pack", "pick", "dashboard", "receive")

router = APIRouter(tags=["staff screens"], include_in_schema=False)
# Starlette's StaticFiles resolves paths and refuses anything outside the directory; only its
# response lookup is used here, because an included router does not carry mounts.
_static = StaticFiles(directory=STATIC, check_dir=True)
_NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("/")
@router.get("/ui")
def index() -> RedirectResponse:
    """The sign-in screen, which then opens the screen of the signed-in role (login.js)."""
    return RedirectResponse("/ui/login", status_code=307)


@router.get("/ui/static/{path:path}")
async def static_file(path: str, request: Request) -> Response:
    response = await _static.get_response(path, request.scope)
    response.headers.update(_NO_CACHE)
    return response


@router.get("/ui/i18n")
def languages() -> dict[str, Any]:
    """The languages the screens speak, each with its own name."""
    return {"languages": [{"code": code, "name": load_table(code)["language.name"]} for code in LANGUAGES]}


def _not_found(message: str) -> JSONResponse:
    # The same error body as the API's, written here: the screens depend on no server module.
    return JSONResponse(status_code=404, content={"error": "not_found", "message": message})


@router.get("/ui/i18n/{code}.json", response_model=None)
def string_table(code: str) -> dict[str, str] | JSONResponse:
    if code not in LANGUAGES:
        return _not_found(f"no string table for language {code!r}")
    return load_table(code)


@router.get("/ui/{page}", response_model=None)
def page(page: str) -> FileResponse | JSONResponse:
    if page not in PAGES:
        return _not_found(f"no screen {page!r}; the screens are {', '.join(PAGES)}")
    return FileResponse(STATIC / "pages" / f"{page}.html", media_type="text/html", headers=_NO_CACHE)
