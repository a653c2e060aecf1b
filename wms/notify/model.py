"""Pure delivery decisions for the outbox relay: outcomes, backoff, retry or dead-letter, locales, ids.

Nothing here does I/O; the relay and the channels call these with plain values.
"""

from __future__ import annotations

import fnmatch
import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wms.lifecycle import Lifecycle

DEFAULT_LOCALE = "en"
LOCALES = ("en", "ja", "uk")


class DeliveryFailed(Exception):
    """A channel could not deliver a message; `permanent` failures go straight to dead-letter."""

    permanent: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retry(DeliveryFailed):
    """Worth trying again later: a timeout, a refused connection, a 5xx, a 4xx SMTP reply."""


class Poison(DeliveryFailed):
    """Will never succeed as it stands: a template error, a 4xx from a webhook, a 5xx SMTP reply."""

    permanent = True


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 1.0
    cap_seconds: float = 600.0


def backoff_delay(attempt: int, policy: RetryPolicy, draw: Callable[[], float] = random.random) -> float:
    """Seconds before the next attempt after `attempt` failures: exponential backoff with full jitter.

    Full jitter (uniform over [0, min(cap, base * 2**(attempt-1))]) keeps many relays that failed
    together from retrying together.
    """
    ceiling = min(policy.cap_seconds, policy.base_seconds * 2 ** max(0, attempt - 1))
    return ceiling * draw()


class MessageState(StrEnum):
    """An outbox message's state (the column `outbox_message.state`); print rows use `printing` too."""

    PENDING = "pending"  # waiting for its next attempt (a print job: queued)
    PRINTING = "printing"  # a print job handed to its printer, not yet confirmed
    DELIVERED = "delivered"  # a print job: printed
    DEAD = "dead"  # given up on: poison, or out of attempts (a print job: failed)
    CANCELLED = "cancelled"


# A failed attempt leaves a message pending (with a later next attempt); a print job in flight is sent
# again by the process that takes its printer over, so printing may follow printing.
MESSAGES = Lifecycle(
    "outbox message",
    MessageState,
    {
        MessageState.PENDING: [
            MessageState.PENDING,
            MessageState.PRINTING,
            MessageState.DELIVERED,
            MessageState.DEAD,
            MessageState.CANCELLED,
        ],
        MessageState.PRINTING: [
            MessageState.PRINTING,
            MessageState.PENDING,
            MessageState.DELIVERED,
            MessageState.DEAD,
            MessageState.CANCELLED,
        ],
    },
)
OPEN_STATES = (MessageState.PENDING, MessageState.PRINTING)


@dataclass(frozen=True)
class Settlement:
    """What to write on a message after one delivery attempt."""

    state: MessageState  # pending (retry later), delivered or dead
    next_attempt_at: datetime | None
    last_error: str


def settle(
    *,
    attempts: int,
    failure: DeliveryFailed | None,
    now: datetime,
    policy: RetryPolicy,
    draw: Callable[[], float] = random.random,
) -> Settlement:
    """Delivered, retried later with backoff, or dead after a poison or the last allowed attempt."""
    if failure is None:
        return Settlement(MessageState.DELIVERED, None, "")
    reason = failure.reason[:1000]
    if failure.permanent:
        return Settlement(MessageState.DEAD, None, f"poison: {reason}")
    if attempts >= policy.max_attempts:
        return Settlement(MessageState.DEAD, None, f"gave up after {attempts} attempts: {reason}")
    delay = backoff_delay(attempts, policy, draw)
    return Settlement(MessageState.PENDING, now + timedelta(seconds=delay), reason)


def http_failure(status: int, detail: str = "") -> DeliveryFailed | None:
    """A webhook receiver's answer: 2xx delivered; 408/429 and 5xx retried; any other 4xx is poison."""
    if 200 <= status < 300:
        return None
    message = f"HTTP {status}{': ' + detail[:200] if detail else ''}"
    if status in (408, 429) or status >= 500:
        return Retry(message)
    if 400 <= status < 500:
        return Poison(message)
    return Retry(message)  # 1xx/3xx: the endpoint is misconfigured or moving; try again later


def smtp_failure(code: int, detail: str = "") -> DeliveryFailed:
    """An SMTP refusal: 5xx is permanent (RFC 5321), 4xx is transient."""
    message = f"SMTP {code}{': ' + detail[:200] if detail else ''}"
    return Poison(message) if 500 <= code < 600 else Retry(message)


def choose_locale(requested: str | None, available: Iterable[str] = LOCALES) -> str:
    """The shopper's language among those we have: 'ja-JP' -> 'ja', 'uk_UA' -> 'uk', unknown -> 'en'."""
    have = set(available)
    if requested:
        tag = requested.strip().replace("_", "-").lower()
        if tag in have:
            return tag
        language = tag.split("-", 1)[0]
        if language in have:
            return language
    return DEFAULT_LOCALE


def email_message_id(message_id: str, domain: str) -> str:
    """A stable RFC 5322 Message-ID for an outbox message, so a re-send carries the same id."""
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
    return f"<{digest}@{domain or 'kaeru.local'}>"


def topic_matches(topic: str, patterns: Iterable[str]) -> bool:
    """Whether an endpoint subscribed with glob patterns ('order.*', 'return.graded') wants a topic."""
    return any(fnmatch.fnmatchcase(topic, pattern) for pattern in patterns)
