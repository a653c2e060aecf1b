"""The agent's link to the server: the same public HTTP API any client uses.

docs/architecture.md, "How a scan travels".

It moves requests and reports answers; what the answers mean is decided in devices.agent.model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from devices.agent.model import (
    ME_PATH,
    PATHS,
    Entry,
    Outcome,
    Verdict,
    message_of,
    outcome_of,
    request_for,
    verdict,
)


class BadToken(RuntimeError):
    """The server refused the agent's token (401): nothing can be sent until it is replaced."""


class NotKaeru(RuntimeError):
    """The server URL answers, but not as a Kaeru server with this device's token would."""


class Unreachable(RuntimeError):
    """No usable answer: connection refused, timeout, or the server in trouble (5xx)."""


class ServerLink:
    """HTTP calls to one Kaeru server as one station agent (bearer device token)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, per_event: float = 0.1) -> None:
        self.base_url = base_url.rstrip("/")
        # A batch may take the server a while (each scan is routed and recorded): allow for its size,
        # so a slow but working server is not taken for a dead one and sent the same batch again.
        self.timeout, self.per_event = timeout, per_event
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _post(
        self, path: str, body: dict[str, Any], key: str | None, events: int = 1
    ) -> tuple[int | None, Any, str]:
        headers = {"Idempotency-Key": key} if key else {}
        timeout = httpx.Timeout(self.timeout + self.per_event * events, connect=min(self.timeout, 3.0))
        try:
            response = await self.client.post(path, json=body, headers=headers, timeout=timeout)
        except httpx.RequestError as exc:  # refused, reset, timed out, DNS, garbled answer: no answer
            return None, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        try:
            answer = response.json()
        except ValueError:
            answer = {"message": response.text[:200]}
        return response.status_code, answer, ""

    async def check(self) -> dict[str, Any]:
        """Ask the server who the agent is: confirms the URL is a Kaeru server and the token works."""
        try:
            response = await self.client.get(ME_PATH)
        except httpx.RequestError as exc:
            raise Unreachable(f"{self.base_url}: {type(exc).__name__} {exc}".rstrip()) from exc
        if response.status_code == 401:
            raise BadToken(f"{self.base_url} refused the agent's token (401)")
        if response.status_code >= 500:
            raise Unreachable(f"{self.base_url} answered {response.status_code}")
        try:
            me = response.json()
        except ValueError:
            me = None
        if response.status_code != 200 or not isinstance(me, dict) or "permissions" not in me:
            raise NotKaeru(
                f"{self.base_url}{ME_PATH} answered {response.status_code}; is this a Kaeru server?"
            )
        if me.get("kind") != "device" or "scan" not in me["permissions"]:
            raise NotKaeru(
                f"the token is for {me.get('kind')} {me.get('name')!r}, not a station agent device"
            )
        return me

    async def deliver(self, run: Sequence[Entry]) -> Outcome:
        """Send one run of queued events (see devices.agent.model.next_run) and read the answer."""
        request = request_for(run)
        status, answer, problem = await self._post(request.path, request.body, request.key, len(run))
        outcome = outcome_of(run, status, answer)
        if outcome.rest == "retry" and problem:
            return Outcome(outcome.settled, "retry", problem)
        return outcome

    async def heartbeat(self, detail: str) -> tuple[Verdict, str]:
        """The agent's own health (not queued: a heartbeat that cannot be delivered now is stale later)."""
        status, answer, problem = await self._post(
            PATHS["health"], {"state": "connected", "detail": detail}, None
        )
        return verdict(status), problem or f"HTTP {status}: {message_of(answer)}"

    async def say_goodbye(self) -> None:
        """Tell the server the agent is stopping (best effort, on a clean exit)."""
        await self._post(PATHS["health"], {"state": "disconnected", "detail": "agent stopped"}, None)
