"""At-least-once: a relay killed mid-delivery loses nothing; concurrent relays never share a message."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlmodel import select

from kaeru_config.settings import ROOT
from tests.integration.notify.conftest import make_relay
from tests.live_server import free_port
from tests.polling import wait_until
from wms.context import Kaeru
from wms.notify.topics import TOPICS
from wms.platform.outbox import enqueue
from wms.platform.tables import OutboxMessage

MESSAGES = [f"restart-{n}" for n in range(5)]


class SlowInbox:
    """An SMTP server that holds every message it receives until released."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.release = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.seen.append(str(message["X-Kaeru-Message-Id"]))
        await asyncio.to_thread(self.release.wait)
        return "250 Message accepted for delivery"


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowInbox, int]]:
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    inbox.release.set()
    controller.stop()


def _relay_process(kaeru: Kaeru, config_dir: Path, smtp_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAERU_ENVIRONMENT": "test",
        "KAERU_DATABASE_URL": kaeru.settings.database_url,
        "KAERU_CONFIG_DIR": str(config_dir),
        "KAERU_SMTP_HOST": "127.0.0.1",
        "KAERU_SMTP_PORT": str(smtp_port),
        "KAERU_LIVE_BUS_URL": "memory://",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "wms.notify"],
        cwd=config_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _config_dir(tmp_path: Path) -> Path:
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    (config_dir / "notifications.yaml").write_text(
        "webhooks: []\n"
        "retry: {max_attempts: 5, base_seconds: 0.05, cap_seconds: 0.2}\n"
        "relay: {poll_seconds: 0.05, lease_seconds: 4, concurrency: 8}\n"
        "smtp: {timeout_seconds: 30}\n",
        encoding="utf-8",
    )
    return config_dir


def _states(kaeru: Kaeru) -> dict[str, str]:
    with kaeru.db.read() as session:
        return {m.message_id: m.state for m in session.exec(select(OutboxMessage))}


def _wait(condition, within: float, what: str) -> None:  # type: ignore[no-untyped-def]
    wait_until(condition, within=within, what=what)


def test_a_relay_killed_mid_delivery_loses_no_message_when_restarted(
    kaeru: Kaeru, slow_smtp: tuple[SlowInbox, int], tmp_path: Path
) -> None:
    inbox, port = slow_smtp
    config_dir = _config_dir(tmp_path)

    def work(session):  # type: ignore[no-untyped-def]
        for message_id in MESSAGES:
            enqueue(
                session,
                channel="email",
                topic="order.delivered",
                message_id=message_id,
                payload={
                    "template": "order.delivered",
                    "to": "sam@example.com",
                    "locale": "en",
                    "context": TOPICS["order.delivered"].sample,
                },
            )

    kaeru.db.write(work)
    first = _relay_process(kaeru, config_dir, port)
    try:
        _wait(lambda: len(inbox.seen) == len(MESSAGES), 20, "the first relay never reached the SMTP server")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert set(_states(kaeru).values()) == {"pending"}  # sent, held, never confirmed
    inbox.release.set()
    second = _relay_process(kaeru, config_dir, port)
    try:
        _wait(
            lambda: set(_states(kaeru).values()) == {"delivered"}, 20, "the restarted relay did not deliver"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0, second.stderr.read().decode() if second.stderr else ""
    counts = Counter(inbox.seen)
    assert set(counts) == set(MESSAGES)  # nothing lost
    assert max(counts.values()) <= 2  # re-sent once at most


def test_two_relays_claiming_at_once_never_take_the_same_message(kaeru: Kaeru) -> None:
    def work(session):  # type: ignore[no-untyped-def]
        for n in range(60):
            enqueue(session, channel="email", topic="order.delivered", message_id=f"c-{n}", payload={})

    kaeru.db.write(work)
    relays = [make_relay(kaeru), make_relay(kaeru)]

    def claim_all(index: int) -> list[str]:
        taken: list[str] = []
        while batch := relays[index].claim(7):
            taken.extend(m.message_id for m in batch)
        return taken

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(claim_all, [0, 1])
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"c-{n}" for n in range(60))
