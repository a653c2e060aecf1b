"""Every route of the app against every kind of caller, with real requests: a caller outside a route's
policy is refused (401, 403, or 404 for what their warehouse does not hold), a caller inside it is not,
and nobody gets a 5xx. A route added without an entry in tests/integration/core/access_cases.py fails
here (docs/architecture.md, "Access")."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.websockets import WebSocketDisconnect

from tests.floor import Floor
from tests.integration.core.access_cases import (
    _PNG,
    CALLERS,
    HOLDERS,
    LINK,
    OTHER_MERCHANT,
    PUBLIC,
    WEBHOOK,
    Case,
    Site,
    cases,
    seed,
)
from wms.context import Kaeru

REFUSED = {401, 403, 404}
# /readyz answers 503 while the outbox relay is not running (it is not, in tests): a state, not a refusal.
NOT_READY = ("GET /readyz", 503)


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _declared(floor: Floor) -> set[str]:
    """Every route the app answers, as "METHOD path" (HEAD left out: it follows GET)."""
    found: set[str] = set()
    for route in iter_route_contexts(floor.app.routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, APIWebSocketRoute):
            found.add(f"WS {route.path_format}")
            continue
        path = route.path_format if isinstance(original, APIRoute) else route.path
        found |= {f"{method} {path}" for method in (route.methods or ()) if method != "HEAD"}
    return found


def _call(floor: Floor, site: Site, caller: str, case: Case, method: str, path: str) -> int:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if caller != "anonymous":
        headers["Authorization"] = f"Bearer {site.tokens[caller]}"
    kwargs: dict[str, Any] = {}
    if case.files:
        kwargs["files"] = {"photo": ("p.png", _PNG, "image/png")}
    elif case.form:
        kwargs["data"] = case.body
    elif case.body is not None:
        kwargs["json"] = case.body
    response = floor.client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
    return response.status_code


def _live(floor: Floor, site: Site, caller: str, path: str) -> int:
    """The dashboard socket's answer: 101 when it opens, else its closing code's HTTP twin (4403 -> 403)."""
    query = "" if caller == "anonymous" else f"&token={site.tokens[caller]}"
    try:
        with floor.client.websocket_connect(path + query) as socket:
            socket.receive_json()
            return 101
    except WebSocketDisconnect as closed:
        return closed.code - 4000


def _expected_refused(case: Case, caller: str) -> bool:
    if case.access in (PUBLIC, LINK):
        return False
    if case.access == WEBHOOK:
        return True
    if caller not in HOLDERS[case.access]:
        return True
    return (caller == "outsider" and case.in_wh1) or (caller in OTHER_MERCHANT and case.owned)


def test_every_route_answers_each_kind_of_caller_as_the_policy_says(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAERU_SHOPIFY_WEBHOOK_SECRET", "the-shops-secret")  # set up: unsigned calls are 401
    site = seed(floor)
    table = cases(site.values)
    assert _declared(floor) == set(table), "a route without an access entry, or an entry without a route"
    wrong: list[str] = []
    for key, case in table.items():
        method, _ = key.split(" ", 1)
        for caller in CALLERS:
            if method == "WS":
                status = _live(floor, site, caller, case.path)
            else:
                status = _call(floor, site, caller, case, method, case.path)
            refused = _expected_refused(case, caller)
            if (status >= 500 and (key, status) != NOT_READY) or (status in REFUSED) != refused:
                wrong.append(f"{key} as {caller}: {status} (expected {'refused' if refused else 'let in'})")
        if case.access == LINK:
            status = _call(floor, site, "anonymous", case, method, case.forged)
            if status != 404:
                wrong.append(f"{key} with a forged link: {status} (expected 404)")
    assert not wrong, "\n".join(wrong)
