"""A simulated carrier on 127.0.0.1: UPS's and USPS's REST APIs as their clients (karrio's connectors)
call them, with their latency, their faults and tracking numbers in each carrier's own form.

Paths are the carriers' own under a prefix per carrier (`/ups/api/shipments/v2409/ship`,
`/usps/labels/v3/label`); a client is pointed here by its server URL. Faults are drawn at random
(--timeouts, --errors, --rate-limits shares) or queued for the next calls (`POST /_sim/faults`); a
recipient whose address line holds UNDELIVERABLE, or whose postal code is 00000, is refused in the
carrier's words. Tracking moves when `POST /_sim/advance/{tracking_number}` says what happened, as
the carrier's scans would; the next tracking request shows it."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

FAULTS = ("timeout", "5xx", "rate_limit")


@dataclass
class SimConfig:
    latency_min_ms: int = 300
    latency_max_ms: int = 800
    timeout_share: float = 0.0
    error_share: float = 0.0
    rate_limit_share: float = 0.0
    hang_s: float = 120.0  # how long a "timeout" keeps the caller waiting
    seed: int | None = None


@dataclass
class SimLabel:
    carrier: str
    tracking_number: str
    service: str
    reference: str
    recipient: dict[str, Any]
    is_return: bool = False
    voided: bool = False
    manifested: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


class CarrierState:
    """What the simulated carrier remembers: labels it sold, their scans, the faults still queued."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.lock = threading.Lock()
        self.labels: dict[str, SimLabel] = {}
        self.by_reference: dict[tuple[str, str], str] = {}
        self.queued: dict[str, deque[str]] = {"ups": deque(), "usps": deque()}
        # Serial numbers start at a random point, as a carrier's never restart at one.
        start = self.rng.randrange(10**6, 9 * 10**6)
        self._serial = {"ups": start, "usps": start}
        self.requests = 0

    def next_serial(self, carrier: str) -> int:
        with self.lock:
            self._serial[carrier] += 1
            return self._serial[carrier]

    def fault(self, carrier: str) -> str | None:
        with self.lock:
            if self.queued[carrier]:
                return self.queued[carrier].popleft()
        draw = self.rng.random()
        shares = (self.config.timeout_share, self.config.error_share, self.config.rate_limit_share)
        for kind, share in zip(FAULTS, shares, strict=True):
            if draw < share:
                return kind
            draw -= share
        return None

    def latency_s(self) -> float:
        low, high = self.config.latency_min_ms, max(self.config.latency_min_ms, self.config.latency_max_ms)
        return self.rng.uniform(low, high) / 1000

    def remember(self, label: SimLabel) -> None:
        with self.lock:
            self.labels[label.tracking_number] = label
            if label.reference:
                self.by_reference[(label.carrier, label.reference)] = label.tracking_number

    def bought(self, carrier: str, reference: str) -> SimLabel | None:
        """A label bought before with this reference: the carrier answers a repeated purchase with it."""
        number = self.by_reference.get((carrier, reference)) if reference else None
        return self.labels.get(number) if number else None

    def scan(
        self, tracking_number: str, kind: str, *, location: str = "", at: datetime | None = None
    ) -> SimLabel:
        label = self.labels[tracking_number]
        label.events.append({"kind": kind, "at": at or datetime.now(UTC), "location": location})
        return label


def undeliverable(address: dict[str, Any]) -> bool:
    lines = " ".join(str(address.get(key) or "") for key in ("AddressLine", "streetAddress", "address_line1"))
    postal = str(address.get("PostalCode") or address.get("ZIPCode") or "")
    return "UNDELIVERABLE" in lines.upper() or postal.startswith("00000")


def create_app(state: CarrierState) -> FastAPI:
    from simulators.carrier import ups, usps

    app = FastAPI(title="Simulated carrier", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def carrier_weather(request: Request, call_next: Any) -> Response:
        path = request.url.path
        carrier = path.split("/")[1] if path.count("/") > 1 else ""
        if carrier not in state.queued:
            return await call_next(request)
        state.requests += 1
        await asyncio.sleep(state.latency_s())
        fault = state.fault(carrier)
        if fault == "timeout":
            await asyncio.sleep(state.config.hang_s)
        if fault in ("5xx", "rate_limit"):
            return (ups if carrier == "ups" else usps).fault_response(fault)
        return await call_next(request)

    ups.mount(app, state)
    usps.mount(app, state)

    @app.post("/_sim/faults")
    async def queue_faults(body: dict[str, Any]) -> dict[str, Any]:
        carrier, kind, count = (
            str(body.get("carrier", "ups")),
            str(body.get("kind", "")),
            int(body.get("count", 1)),
        )
        if carrier not in state.queued or kind not in FAULTS:
            return JSONResponse({"error": f"carrier one of ups, usps; kind one of {FAULTS}"}, status_code=422)  # type: ignore[return-value]
        with state.lock:
            state.queued[carrier].extend([kind] * count)
        return {"queued": len(state.queued[carrier])}

    @app.post("/_sim/advance/{tracking_number}")
    async def advance(tracking_number: str, body: dict[str, Any]) -> dict[str, Any]:
        if tracking_number not in state.labels:
            return JSONResponse({"error": "no such label"}, status_code=404)  # type: ignore[return-value]
        label = state.scan(
            tracking_number, str(body.get("kind", "in_transit")), location=str(body.get("location", ""))
        )
        return {"tracking_number": tracking_number, "events": len(label.events)}

    @app.get("/_sim/labels")
    async def labels() -> dict[str, Any]:
        return {
            "labels": [
                {
                    "carrier": label.carrier,
                    "tracking_number": label.tracking_number,
                    "reference": label.reference,
                    "service": label.service,
                    "voided": label.voided,
                    "manifested": label.manifested,
                    "is_return": label.is_return,
                }
                for label in list(state.labels.values())
            ]
        }

    return app


class CarrierSimulator:
    """The simulated carrier served on a thread of its own (tests, benches, the demo)."""

    def __init__(self, config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = CarrierState(config or SimConfig())
        self.host, self.port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> CarrierSimulator:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.state), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[listener])), name="carrier-sim", daemon=True
        )
        self._thread.start()
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CarrierSimulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
