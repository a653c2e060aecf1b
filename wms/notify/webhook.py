"""Webhooks to the brand's systems, signed per the Standard Webhooks spec (standardwebhooks package).

One outbox webhook row fans out to one child row per subscribed endpoint, so each endpoint is
retried (or dead-lettered) on its own. Every child of a message carries the same `webhook-id`:
the receiver de-duplicates by it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from wms.notify.channel import Outgoing
from wms.notify.config import Endpoint
from wms.notify.model import Poison, Retry, http_failure, topic_matches


def encode_webhook(
    *,
    webhook_id: str,
    event_type: str,
    created_at: datetime,
    data: dict[str, Any],
    secret: str,
    now: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body {"type", "timestamp", "data"} and its webhook-id/-timestamp/-signature headers."""
    body = json.dumps(
        {"type": event_type, "timestamp": created_at.astimezone(UTC).isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    sent_at = int(time.time() if now is None else now)
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(sent_at, UTC), body)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(sent_at),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return body.encode(), headers


class WebhookChannel:
    """The site's endpoints (config/notifications.yaml) get every event; a merchant's endpoints
    (config/merchants/), each with its own secret, get that merchant's events only."""

    def __init__(
        self,
        endpoints: tuple[Endpoint, ...],
        *,
        merchant_endpoints: Callable[[int | None], tuple[Endpoint, ...]] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoints = {e.name: e for e in endpoints}
        self._merchant_endpoints = merchant_endpoints
        self._client = client or httpx.AsyncClient(follow_redirects=False)

    def _all(self, merchant_id: int | None) -> dict[str, Endpoint]:
        found = dict(self.endpoints)
        if self._merchant_endpoints is not None and merchant_id is not None:
            found.update({e.name: e for e in self._merchant_endpoints(merchant_id)})
        return found

    async def close(self) -> None:
        await self._client.aclose()

    def split(self, message: Outgoing) -> list[tuple[str, dict[str, Any]]] | None:
        if "endpoint" in message.payload:
            return None
        return [
            (
                f"{message.message_id}>{name}",
                {**message.payload, "endpoint": name, "webhook_id": message.message_id},
            )
            for name, endpoint in self._all(message.payload.get("merchant_id")).items()
            if topic_matches(message.topic, endpoint.topics)
        ]

    async def deliver(self, message: Outgoing) -> None:
        payload = message.payload
        endpoint = self._all(payload.get("merchant_id")).get(payload.get("endpoint", ""))
        if endpoint is None:
            raise Poison(f"webhook endpoint {payload.get('endpoint')!r} is not configured any more")
        body, headers = encode_webhook(
            webhook_id=payload.get("webhook_id") or message.message_id,
            event_type=payload.get("type") or message.topic,
            created_at=message.created_at,
            data=payload.get("data") or {},
            secret=endpoint.secret,
        )
        try:
            response = await self._client.post(
                endpoint.url, content=body, headers=headers, timeout=endpoint.timeout_seconds
            )
        except httpx.TimeoutException as exc:
            raise Retry(f"{endpoint.name}: timed out after {endpoint.timeout_seconds} s") from exc
        except httpx.HTTPError as exc:
            raise Retry(f"{endpoint.name}: {type(exc).__name__}: {exc}") from exc
        failure = http_failure(response.status_code, response.text[:200])
        if failure is not None:
            failure.reason = f"{endpoint.name}: {failure.reason}"
            raise failure
