"""/readyz says whether this process can serve: 503 with the reason while the schema is behind the
newest migration (or the database is away), 200 once `kaeru db upgrade` has run; /healthz stays liveness."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from kaeru_config.settings import ROOT, Settings
from wms.app import create_app
from wms.migrations.runner import upgrade


def readiness(url: str) -> tuple[int, dict]:
    settings = Settings(environment="test", database_url=url, config_dir=ROOT / "config", run_relay=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200  # alive all along
        response = client.get("/readyz")
        return response.status_code, response.json()


def test_readiness_is_refused_until_the_schema_is_at_the_newest_migration(empty_database: str) -> None:
    upgrade(empty_database, "0001")
    status, body = readiness(empty_database)
    assert status == 503
    assert body["status"] == "unready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].startswith("at 0001, this code needs ")
    assert "kaeru db upgrade" in body["checks"]["migrations"]
    upgrade(empty_database)
    status, body = readiness(empty_database)
    assert (status, body["checks"]) == (200, {"database": "ok", "migrations": "ok", "bus": "ok"})


def test_readiness_is_refused_when_the_database_does_not_answer(tmp_path: Path) -> None:
    url = "postgresql://kaeru@127.0.0.1:1/nowhere"  # nothing listens on port 1
    settings = Settings(environment="test", database_url=url, config_dir=ROOT / "config", run_relay=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable: OperationalError")
