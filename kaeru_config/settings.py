"""Process settings from KAERU_* environment variables; the site itself is described in config/."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "kaeru-development-secret-change-me"  # noqa: S105 - refused outside development
ROOT = Path(__file__).resolve().parent.parent


def default_pool_size(cpus: int | None) -> int:
    return min(32, max(6, 2 * (cpus or 2) + 2))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAERU_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'kaeru.db'}"
    secret_key: str = DEFAULT_SECRET
    config_dir: Path = ROOT / "config"
    base_url: str = "http://127.0.0.1:8000"
    live_bus_url: str = "memory://"
    media_dir: Path = ROOT / "var" / "media"
    # Upper bound on a request body; larger bodies are refused with 413 before they are read.
    max_body_bytes: int = 1_000_000
    # A device's clock reading (a scan's, a weight's, a health report's time) is refused with 422
    # unless it lies within this window around server time: a station replays a queue kept offline
    # for days, but never one from 1970 or 9999.
    clock_past_days: int = 30
    clock_future_seconds: int = 300
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "Kaeru <no-reply@kaeru.local>"
    run_relay: bool = True
    # The requests a process works on at once, each with its pooled connection (the pool keeps
    # wms.db.BACKGROUND_CONNECTIONS more for relays and the spooler). Two per core and two more keep both
    # the cores and PostgreSQL busy; more only queue inside the database (measured: 20 instead of 6 on
    # two cores cost ~20% of scan throughput and tripled PostgreSQL's CPU per scan).
    db_pool_size: int = Field(default_factory=lambda: default_pool_size(os.cpu_count()), ge=1)
    # Operating it (wms/observability, docs/operations.md): /metrics (a bearer token if set), traces
    # exported to this OTLP/HTTP endpoint when set (else OTEL_EXPORTER_OTLP_ENDPOINT), log lines as
    # text or JSON.
    metrics_enabled: bool = True
    metrics_token: str = ""
    otlp_endpoint: str = ""
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    # Failed sign-ins (wms/identity/throttle.py, docs/operations.md): after this many failures within
    # the window, an account (or an address) is refused with 429 for login_lockout_s seconds, then
    # twice as long after each further lockout, up to login_lockout_max_s. Counted in the database.
    # Carriers (wms/carriers): the base URL their APIs are reached at (empty: each carrier's own
    # servers; the simulated carrier's URL for the demo and the tests), the carrier accounts as JSON
    # ({"UPS": {"client_id": ..., "client_secret": ..., "account_number": ...}}) or a file holding that
    # JSON, how long one carrier call may take, and how long a label may stay pending between tries.
    carrier_url: str = ""
    carrier_accounts: SecretStr = SecretStr("")
    carrier_secrets_file: Path | None = None
    carrier_timeout_s: float = Field(default=15.0, gt=0)
    carrier_retry_cap_s: float = Field(default=300.0, gt=0)
    login_account_failures: int = Field(default=5, ge=1)
    login_address_failures: int = Field(default=20, ge=1)
    login_failure_window_s: int = Field(default=900, ge=1)
    login_lockout_s: int = Field(default=60, ge=1)
    login_lockout_max_s: int = Field(default=3600, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "KAERU_SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
