"""The screens are served as static files by the app, and nothing outside their folder is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiosk_ui.api import PAGES, router
from wms.http import install_error_handlers


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("page", PAGES)
def test_each_screen_is_an_html_page_loading_its_own_module(client: TestClient, page: str) -> None:
    response = client.get(f"/ui/{page}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'src="/ui/static/js/pages/{page}.js"' in response.text


def test_an_unknown_screen_is_a_404_naming_the_screens(client: TestClient) -> None:
    response = client.get("/ui/warp-drive")
    assert response.status_code == 404
    assert "login" in response.json()["message"]


def test_a_path_that_climbs_out_of_the_static_folder_is_refused(client: TestClient) -> None:
    for path in ("/ui/static/../api.py", "/ui/static/%2e%2e/api.py", "/ui/static/..%2fapi.py"):
        assert client.get(path).status_code == 404, path


def test_scripts_are_served_as_javascript_modules(client: TestClient) -> None:
    response = client.get("/ui/static/js/scanner.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]


def test_the_language_list_names_each_language_in_itself(client: TestClient) -> None:
    names = {entry["code"]: entry["name"] for entry in client.get("/ui/i18n").json()["languages"]}
    assert names["ja"] == "日本語"
    assert names["uk"] == "Українська"
    assert client.get("/ui/i18n/xx.json").status_code == 404


def test_the_site_root_leads_to_the_sign_in_screen(client: TestClient) -> None:
    # The sign-in screen then opens the screen of the signed-in role (login.js).
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/login"
