"""`kaeru merchant list` and an integrator's token for one merchant, from the command line, on a
database brought up by `kaeru db upgrade` (which applies config/merchants/)."""

from __future__ import annotations

from pathlib import Path

import httpx

from kaeru_config.settings import ROOT, Settings
from tests.commands import kaeru_command
from tests.live_server import serve
from wms.app import create_app
from wms.context import Kaeru


def test_merchants_are_listed_and_an_integrator_token_belongs_to_one_merchant(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert kaeru_command(url, "db", "upgrade").returncode == 0
    listed = kaeru_command(url, "merchant", "list")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert ["KAERU", "Kaeru Outfitters", "default"] in lines
    assert ["SAKURA", "Sakura Home & Living"] in lines

    issued = kaeru_command(url, "token", "issue", "--integrator", "sakura-erp", "--merchant", "SAKURA")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    refused = kaeru_command(url, "token", "issue", "--integrator", "sakura-erp")
    assert refused.returncode != 0
    assert "--merchant" in refused.stderr + refused.stdout
    unknown = kaeru_command(url, "token", "issue", "--integrator", "x-erp", "--merchant", "NOPE")
    assert unknown.returncode != 0
    assert "NOPE" in unknown.stderr + unknown.stdout

    settings = Settings(environment="test", database_url=url, config_dir=ROOT / "config", media_dir=tmp_path)
    kaeru = Kaeru.from_settings(settings)
    with serve(create_app(settings, kaeru=kaeru)) as base:
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        merchants = httpx.get(f"{base}/api/v1/merchants", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "integrator"
    assert me["merchants"] == ["SAKURA"]
    assert [m["code"] for m in merchants] == ["SAKURA"]
