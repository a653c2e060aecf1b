"""A running Kaeru site for browser tests: server, a small seed, staff, and the verbs to set up
orders through the public API (the screens under test are then driven in the browser)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from kaeru_config.settings import ROOT, Settings
from wms.context import Kaeru
from wms.identity.service import add_user
from wms.migrations.runner import upgrade
from wms.site import apply_site

PASSWORD = "floor-password-1"
STAFF = ("associate", "packer", "picker", "receiver", "manager", "admin", "integrator")


_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Site:
    url: str
    kaeru: Kaeru
    http: httpx.Client
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        who: str = "manager",
        *,
        expect: int | None = 200,
        json: Any = None,
        key: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "Idempotency-Key": key or str(uuid.uuid4())}
        response = self.http.request(method, path, headers=headers, json=json)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def item(
        self, sku: str, gtin: str, *, weight_g: int = 250, tracking: str = "none", category: str = "apparel"
    ) -> None:
        self.call(
            "POST",
            "/api/v1/items",
            expect=201,
            json={
                "sku": sku,
                "gtin": gtin,
                "name": sku.replace("-", " ").title(),
                "weight_g": weight_g,
                "tracking": tracking,
                "category": category,
                "price_minor": 4500,
            },
        )

    def receive(self, sku: str, quantity: int, location: str, serials: list[str] | None = None) -> None:
        self.call(
            "POST",
            "/api/v1/warehouses/WH1/receipts",
            "receiver",
            json={"sku": sku, "quantity": quantity, "location": location, "serials": serials or []},
        )

    def order(self, number: str, lines: list[tuple[str, int]], *, locale: str = "en") -> dict[str, Any]:
        return self.call(
            "POST",
            "/api/v1/orders",
            "integrator",
            expect=201,
            json={
                "warehouse": "WH1",
                "number": number,
                "shopper": {
                    "email": f"{number.lower()}@example.com",
                    "name": "Sam Shopper",
                    "locale": locale,
                },
                "ship_to": {
                    "name": "Sam Shopper",
                    "street": "1 Main St",
                    "city": "Springfield",
                    "postal_code": "62701",
                    "country": "US",
                },
                "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            },
        )

    def release(self, numbers: list[str]) -> list[dict[str, Any]]:
        answer = self.call(
            "POST", "/api/v1/picking/release", json={"warehouse": "WH1", "mode": "single", "orders": numbers}
        )
        return answer["tasks"]  # type: ignore[no-any-return]

    def pick_all(self, gtins: dict[str, str], who: str = "picker") -> None:
        """Pick every open task through the API, as a handheld would."""
        while True:
            task = self.call("POST", "/api/v1/picking/next", who)["task"]
            if task is None:
                return
            while task["next"]:
                step = task["next"]
                self.call("POST", "/api/v1/scans", who, json={"raw": f"LOC-{step['location']}"})
                task = self.call("POST", "/api/v1/scans", who, json={"raw": f"]E0{gtins[step['sku']][1:]}"})[
                    "data"
                ]

    def ship(self, number: str, gtins: dict[str, list[str]]) -> str:
        """Pack and ship a picked order through the API; returns the tracking number."""
        carton = self.call(
            "POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": number}
        )
        weight = 180
        for gtin, grams in ((g, w) for g, ws in gtins.items() for w in ws):
            self.call("POST", "/api/v1/scans", "packer", json={"raw": f"]E0{gtin[1:]}"})
            weight += int(grams)
        closed = self.call(
            "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": weight}
        )
        tracking = closed["shipment"]["tracking_number"]
        self.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
        return str(tracking)

    def sign_in(self, page: Page, who: str, screen: str, *, query: str = "") -> None:
        """Sign in through the login screen, as a person would, and land on `screen`."""
        page.goto(f"{self.url}/ui/login?next=/ui/{screen}{query}")
        page.fill("#username", who)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/ui/{screen}**")
        page.wait_for_function("document.body.dataset.screen !== undefined")


def prepare_database(url: str, media: Path) -> Kaeru:
    """What `kaeru db upgrade` does: migrations, then the site configuration."""
    upgrade(url)
    settings = Settings(
        environment="test", database_url=url, config_dir=ROOT / "config", media_dir=media, run_relay=False
    )
    kaeru = Kaeru.from_settings(settings)
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    return kaeru


def _staff(kaeru: Kaeru) -> None:
    from sqlmodel import select

    from wms.inventory.tables import Warehouse

    def work(session):  # type: ignore[no-untyped-def]
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        for role in STAFF:
            add_user(
                session,
                username=role,
                role=role,
                password=PASSWORD,
                warehouse_id=None if role in ("admin", "integrator") else warehouse.id,
                name=role.title(),
                locale="en",
            )

    kaeru.db.write(work)


@contextmanager
def start_site(url: str, workdir: Path, *, env: dict[str, str] | None = None) -> Iterator[Site]:
    """Prepare the database here, then run the server in a process of its own (as `kaeru serve`
    does), so that the browser's keystroke timing does not share an interpreter with the server."""
    kaeru = prepare_database(url, workdir / "media")
    _staff(kaeru)
    log_path = workdir / "server.log"
    environment = {
        **os.environ,
        "KAERU_DATABASE_URL": url,
        "KAERU_ENVIRONMENT": "test",
        "KAERU_MEDIA_DIR": str(workdir / "media"),
        "KAERU_RUN_RELAY": "true",
        **(env or {}),
    }
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "wms.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--log-level",
                "info",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = _wait_for_address(server, log_path)
        http = httpx.Client(base_url=base, timeout=30)
        site = Site(url=base, kaeru=kaeru, http=http, log=log_path)
        for role in STAFF:
            answer = http.post("/api/v1/auth/login", json={"username": role, "password": PASSWORD})
            answer.raise_for_status()
            site.tokens[role] = answer.json()["token"]
        yield site
        http.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        kaeru.db.dispose()


def _wait_for_address(server: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            return f"http://127.0.0.1:{found.group(1)}"
        if server.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the Kaeru server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
