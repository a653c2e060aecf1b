"""Routes are matched in order; none may hide a later one (the scan endpoints are mounted first)."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from kaeru_config.settings import Settings
from wms.app import create_app


def _routes_in_match_order(tmp_path: Path) -> list[APIRoute]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/k.db", environment="test", run_relay=False))
    routes: list[APIRoute] = []
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        candidates = inner.routes if inner is not None else [route]
        routes.extend(r for r in candidates if isinstance(r, APIRoute))
    return routes


def test_the_scan_endpoint_is_the_first_route_tried(tmp_path: Path) -> None:
    assert _routes_in_match_order(tmp_path)[0].path == "/api/v1/scans"


def test_no_route_is_shadowed_by_one_matched_before_it(tmp_path: Path) -> None:
    routes = _routes_in_match_order(tmp_path)
    assert len(routes) > 50
    shadowed = [
        (later.path, earlier.path)
        for index, later in enumerate(routes)
        for earlier in routes[:index]
        if earlier.methods & later.methods
        and earlier.path != later.path
        and earlier.path_regex.match(later.path)
    ]
    assert shadowed == []
