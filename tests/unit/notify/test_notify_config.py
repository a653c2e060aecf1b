"""config/notifications.yaml: secrets by environment reference, checks that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaeru_config.merchants import load_merchants
from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import ConfigError
from wms.notify.config import NotificationsFile, WebhookSpec, brand_of, endpoints_of, load, resolve

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _settings(environment: str) -> Settings:
    return Settings(environment=environment, database_url="sqlite://", secret_key="x" * 40)  # type: ignore[arg-type]


def _with_hook(secret: str) -> NotificationsFile:
    return NotificationsFile(webhooks=[WebhookSpec(name="brand", url="${HOOK_URL}", secret=secret)])


def test_the_shipped_configuration_loads() -> None:
    config = load(ROOT / "config", _settings("test"), environ={})
    assert config.retry.max_attempts >= 1
    merchants = load_merchants(ROOT / "config")
    brands = {m.code: brand_of(m, _settings("test")) for m in merchants}
    assert len(brands) >= 2
    assert len({b.name for b in brands.values()}) == len(brands)
    assert all(b.sender and "@" in b.sender for b in brands.values())


def test_a_merchants_endpoints_are_named_for_it_and_keep_their_own_secret() -> None:
    sakura = next(m for m in load_merchants(ROOT / "config") if m.code == "SAKURA")
    env = {"KAERU_SAKURA_WEBHOOK_URL": "https://sakura.example/hooks", "KAERU_SAKURA_WEBHOOK_SECRET": SECRET}
    (endpoint,) = endpoints_of(sakura, _settings("production"), environ=env)
    assert endpoint.name == "SAKURA/commerce"
    assert endpoint.secret == SECRET


def test_a_brand_in_notifications_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notifications.yaml").write_text("brand:\n  name: Old\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notifications.yaml: brand"):
        load(tmp_path, _settings("test"), environ={})


def test_secrets_come_from_the_environment() -> None:
    config = resolve(
        _with_hook("${HOOK_SECRET}"),
        _settings("production"),
        environ={"HOOK_URL": "https://brand.example/hooks", "HOOK_SECRET": SECRET},
    )
    assert config.endpoints[0].secret == SECRET


def test_a_literal_secret_is_refused_outside_development() -> None:
    with pytest.raises(ConfigError, match=r"brand\.secret"):
        resolve(_with_hook(SECRET), _settings("production"), environ={"HOOK_URL": "https://x"})


def test_a_literal_secret_is_accepted_in_development() -> None:
    config = resolve(_with_hook(SECRET), _settings("development"), environ={"HOOK_URL": "https://x"})
    assert config.endpoints[0].url == "https://x"


def test_an_endpoint_with_unset_variables_refuses_start_up_in_production() -> None:
    with pytest.raises(ConfigError, match="HOOK_SECRET"):
        resolve(_with_hook("${HOOK_SECRET}"), _settings("production"), environ={"HOOK_URL": "https://x"})


def test_an_endpoint_with_unset_variables_is_left_out_in_test() -> None:
    assert resolve(_with_hook("${HOOK_SECRET}"), _settings("test"), environ={}).endpoints == ()


def test_a_malformed_file_is_refused_naming_the_file_and_the_fault(tmp_path: Path) -> None:
    (tmp_path / "notifications.yaml").write_text("smtp:\n  timeout_seconds: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notifications.yaml: smtp.timeout_seconds"):
        load(tmp_path, _settings("test"), environ={})
