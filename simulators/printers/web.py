"""A small web page beside the simulated printers: what they printed (newest first) and their faults.

GET  /                              the printed labels and receipts, with their pictures
GET  /labels/{number}.png | .raw    one label's picture or the bytes that made it
GET  /api/labels                    the list as JSON
GET  /api/printers                  each simulated printer's faults
POST /api/printers/{name}/faults    switch faults, JSON body like {"paper_out": true}
"""

from __future__ import annotations

import socket
from typing import Any, Protocol

import uvicorn
from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from simulators.printers.faults import Faults
from simulators.printers.shelf import Shelf


class Switchable(Protocol):
    """A simulator whose faults can be switched (both printer simulators are)."""

    name: str
    faults: Faults

    async def set_faults(self, **changes: object) -> Faults: ...


_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Kaeru simulated printers</title>
<style>
body { font-family: sans-serif; margin: 1.5rem; background: #f4f4f4; }
.printer { display: inline-block; margin: 0 1rem 1rem 0; padding: .5rem 1rem; background: #fff; }
.label { display: inline-block; vertical-align: top; margin: .5rem; padding: .5rem; background: #fff; }
.label img { max-width: 320px; border: 1px solid #ccc; display: block; }
.note { color: #a33; font-size: .8rem; }
</style></head><body>
<h1>Simulated printers</h1>
{% for printer in printers %}
<div class="printer"><strong>{{ printer.name }}</strong>:
  {{ printer.faults.active()|join(", ") or "healthy" }}
</div>
{% endfor %}
<h2>Printed, newest first ({{ labels|length }})</h2>
{% for label in labels %}
<div class="label" id="label-{{ label.number }}">
  <div>#{{ label.number }} · {{ label.language }} · {{ label.printer }}
    · {{ label.at.strftime("%H:%M:%S") }}</div>
  {% if label.png %}<a href="/labels/{{ label.number }}.png"><img src="/labels/{{ label.number }}.png"
     alt="label {{ label.number }}"></a>{% endif %}
  {% if label.render_note %}<div class="note">{{ label.render_note }}</div>{% endif %}
  <a href="/labels/{{ label.number }}.raw">raw bytes</a>
</div>
{% else %}<p>Nothing printed yet.</p>{% endfor %}
</body></html>"""
)


def create_app(shelf: Shelf, printers: list[Switchable]) -> FastAPI:  # noqa: C901 - predates the complexity limit
    app = FastAPI(title="Kaeru simulated printers")
    by_name = {printer.name: printer for printer in printers}

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return _PAGE.render(labels=shelf.newest_first(), printers=printers)

    @app.get("/labels/{number}.png")
    async def picture(number: int) -> Response:
        label = shelf.get(number)
        if label is None or label.png is None:
            raise HTTPException(404, f"label {number} has no picture")
        return Response(label.png, media_type="image/png")

    @app.get("/labels/{number}.raw")
    async def raw(number: int) -> Response:
        label = shelf.get(number)
        if label is None:
            raise HTTPException(404, f"no label {number}")
        return Response(label.raw, media_type="application/octet-stream")

    @app.get("/api/labels")
    async def labels() -> list[dict[str, Any]]:
        return [
            {
                "number": label.number,
                "printer": label.printer,
                "language": label.language,
                "at": label.at.isoformat(),
                "png": f"/labels/{label.number}.png" if label.png else None,
                "render_note": label.render_note,
                "text": label.text,
            }
            for label in shelf.newest_first()
        ]

    @app.get("/api/printers")
    async def faults() -> dict[str, dict[str, Any]]:
        return {printer.name: printer.faults.as_dict() for printer in printers}

    @app.post("/api/printers/{name}/faults")
    async def switch(name: str, changes: dict[str, Any] = Body(...)) -> dict[str, Any]:
        printer = by_name.get(name)
        if printer is None:
            raise HTTPException(404, f"no simulated printer {name!r}; there are {sorted(by_name)}")
        try:
            return (await printer.set_faults(**changes)).as_dict()
        except ValueError as error:
            raise HTTPException(422, str(error)) from error

    return app


class WebPage:
    """The page served by uvicorn on a socket bound here (port 0 picks a free one)."""

    def __init__(self, shelf: Shelf, printers: list[Switchable]) -> None:
        self.app = create_app(shelf, printers)
        self.host = "127.0.0.1"
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def bind(self, host: str = "127.0.0.1", port: int = 0) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        self.host, self.port = host, listener.getsockname()[1]
        self._socket = listener
        return listener

    async def serve(self) -> None:
        """Serve until cancelled (call `bind` first to know the port before serving)."""
        sock = self._socket if self._socket is not None else self.bind()
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        await self._server.serve(sockets=[sock])

    def stop(self) -> None:
        """Ask the server to finish; `serve()` returns shortly after."""
        if self._server is not None:
            self._server.should_exit = True
