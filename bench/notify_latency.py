"""Grade commit -> email accepted by an SMTP server: p50/p99 under a steady stream of returns.

Run: .venv/bin/python bench/notify_latency.py [--rate 20] [--seconds 25] [--backends sqlite,postgresql]
(about a minute and a half with the defaults; prints one JSON object).

The Kaeru app is served by uvicorn in this process with its outbox relay running, as in production;
a thread here plays the request handlers, committing one `return.graded` notification per graded
unit (the shopper email and the brand webhook rows, as `wms.platform.notify.notify_shopper` writes
them) at a steady rate. The SMTP server is aiosmtpd in its own process, noting when each message
is accepted. Latency = accepted (SMTP server's clock) - commit returned (same machine's clock).

Baseline, in the same run: the same email rendered once and sent straight to the same SMTP server
with smtplib at the same rate, no outbox: what delivery costs without Kaeru.
"""

from __future__ import annotations

import argparse
import email.policy
import json
import os
import platform
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import uvicorn
from sqlmodel import SQLModel

import wms.tables  # noqa: F401 - every table on the metadata
from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import load_site
from wms.app import create_app
from wms.context import Kaeru
from wms.db import Database
from wms.fulfilment.tables import Shopper
from wms.merchants.service import default_merchant
from wms.notify.topics import TOPICS
from wms.platform.notify import notify_shopper
from wms.site import apply_site

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

SMTP_SERVER = r"""
import email, socket, sys, time
from aiosmtpd.controller import Controller
class Handler:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        print(message.get("X-Kaeru-Message-Id", ""), repr(time.time()), flush=True)
        return "250 accepted"
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", port, flush=True)
sys.stdin.read()
controller.stop()
"""


class SmtpServer:
    """aiosmtpd in a child process; `accepted` maps X-Kaeru-Message-Id -> the time it was accepted."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SMTP_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        word, port = [*self.process.stdout.readline().split(), "", ""][:2]
        if word != "ready":
            raise RuntimeError("the SMTP server did not start")
        self.port = int(port)
        self.accepted: dict[str, float] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message_id, _, at = line.strip().rpartition(" ")
            self.accepted[message_id] = float(at)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


@contextmanager
def served(settings: Settings, kaeru: Kaeru) -> Iterator[None]:
    """The app with its lifespan (relay included) served by uvicorn in a thread, as `kaeru serve` does."""
    config = uvicorn.Config(create_app(settings, kaeru=kaeru), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    name = f"kaeru_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentiles(seconds: list[float]) -> dict[str, float | int]:
    values = np.array(seconds) * 1000
    if not len(values):
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p90_ms": round(float(np.percentile(values, 90)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2),
        "max_ms": round(float(values.max()), 2),
    }


def steady(rate: float, seconds: float) -> Iterator[int]:
    """Yield 0, 1, 2... at `rate` a second for `seconds`, on schedule (no drift)."""
    start, n = time.monotonic(), 0
    while (due := start + n / rate) < start + seconds:
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        yield n
        n += 1


def through_kaeru(backend: str, smtp: SmtpServer, rate: float, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory, database(backend, Path(directory)) as url:
        settings = Settings(
            environment="test",
            database_url=url,
            config_dir=ROOT / "config",
            media_dir=Path(directory) / "media",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            run_relay=True,
            live_bus_url="memory://",
        )
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        site = load_site(settings.config_dir)
        db.write(lambda s: apply_site(s, site))
        kaeru = Kaeru(settings=settings, site=site, db=db)

        def add(session):  # type: ignore[no-untyped-def]
            shopper = Shopper(
                merchant_id=default_merchant(session).id,
                email="sam@example.com",
                name="Sam Shopper",
                locale="ja",
            )
            session.add(shopper)
            session.flush()
            return shopper

        shopper = db.write(add)
        committed: dict[str, float] = {}
        context = TOPICS["return.graded"].sample
        with served(settings, kaeru):
            started = time.monotonic()
            for n in steady(rate, seconds):
                key = f"{backend}-{n}"
                db.write(
                    lambda s, key=key: notify_shopper(
                        s,
                        topic="return.graded",
                        shopper=shopper,
                        context=context,
                        warehouse_id=None,
                        dedupe_key=key,
                    )
                )
                committed[f"email:{key}"] = time.time()
            achieved = len(committed) / (time.monotonic() - started)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not set(committed) <= set(smtp.accepted):
                time.sleep(0.05)
        db.dispose()
    latencies = [smtp.accepted[m] - t for m, t in committed.items() if m in smtp.accepted]
    return {
        **percentiles(latencies),
        "committed": len(committed),
        "accepted": len(latencies),
        "achieved_rate_per_s": round(achieved, 2),
    }


def direct_smtp(smtp: SmtpServer, rate: float, seconds: float) -> dict[str, Any]:
    """The baseline: an already-rendered email sent with smtplib, one connection per message."""
    sent: dict[str, float] = {}
    for n in steady(rate, seconds):
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"], message["To"], message["Subject"] = "orders@kaeru.local", "sam@example.com", "graded"
        message["X-Kaeru-Message-Id"] = f"direct-{n}"
        message.set_content("Your return was graded.\n" * 40)
        started = time.time()
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.send_message(message)
        sent[f"direct-{n}"] = started
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not set(sent) <= set(smtp.accepted):
        time.sleep(0.05)
    return percentiles([smtp.accepted[m] - t for m, t in sent.items() if m in smtp.accepted])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="graded units per second")
    parser.add_argument("--seconds", type=float, default=25.0, help="length of the stream per backend")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    smtp = SmtpServer()
    try:
        baseline = direct_smtp(smtp, args.rate, min(args.seconds, 5.0))
        results = {b: through_kaeru(b, smtp, args.rate, args.seconds) for b in args.backends.split(",")}
    finally:
        smtp.stop()
    print(
        json.dumps(
            {
                "bench": "notify_latency",
                "what": "return.graded commit -> email accepted by aiosmtpd, relay in the app process",
                "rate_per_s": args.rate,
                "seconds": args.seconds,
                "kaeru": results,
                "baseline_direct_smtp": baseline,
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
