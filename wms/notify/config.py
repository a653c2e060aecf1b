"""config/notifications.yaml: SMTP, the site's own webhook endpoints and their secrets, retry policy.

Each merchant's brand and webhooks are in its file under config/merchants/ (brand_of, endpoints_of).

Secrets are written as environment references (`${KAERU_WEBHOOK_SECRET}`); a literal secret is
accepted only in development. An endpoint whose variables are not set is left out (with a warning)
in development and test, and refuses start-up in production.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kaeru_config.merchants import MerchantSpec
from kaeru_config.settings import Settings
from kaeru_config.site import ConfigError, load_model
from wms.notify.model import RetryPolicy

log = logging.getLogger(__name__)
FILE_NAME = "notifications.yaml"
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class SmtpSpec(BaseModel):
    timeout_seconds: float = Field(default=30, gt=0)
    starttls: bool = False
    username: str = ""
    password: str = ""  # "${VAR}"


class WebhookSpec(BaseModel):
    name: str
    url: str  # literal or "${VAR}"
    secret: str  # "${VAR}" holding "whsec_<base64>"
    topics: list[str] = Field(default_factory=lambda: ["*"])
    enabled: bool = True
    timeout_seconds: float = Field(default=10, gt=0)


class RetrySpec(BaseModel):
    max_attempts: int = Field(default=8, ge=1)
    base_seconds: float = Field(default=2, gt=0)
    cap_seconds: float = Field(default=900, gt=0)


class RelaySpec(BaseModel):
    batch_size: int = Field(default=50, ge=1)
    concurrency: int = Field(default=16, ge=1)
    poll_seconds: float = Field(default=0.2, gt=0)
    # A claimed message is someone's for this long; a relay that dies holding it gives it back
    # when the lease runs out. Longer than the slowest delivery (SMTP/webhook timeouts).
    lease_seconds: float = Field(default=120, gt=0)
    live_max_attempts: int = Field(default=3, ge=1)  # stale dashboard events are worth little
    # Dashboard events have a relay of their own, so a busy floor never queues them behind emails:
    # a claimed batch goes onto the bus in one round trip.
    live_batch_size: int = Field(default=500, ge=1)
    live_lease_seconds: float = Field(default=10, gt=0)
    # Deliver each batch inside the transaction that took it, its rows locked meanwhile (PostgreSQL
    # only), instead of leasing them in one transaction and settling in another: for the live bus,
    # whose delivery takes milliseconds, this is a third of the database's work per event.
    hold_while_delivering: bool = False
    live_hold_while_delivering: bool = True
    # Claim at most this often: a floor committing hundreds of events a second wakes the relay for
    # each; gathering them into one claim costs a dashboard at most this much delay.
    min_claim_interval_seconds: float = Field(default=0.0, ge=0)
    live_min_claim_interval_seconds: float = Field(default=0.05, ge=0)
    # Delivered rows are kept this long (what was sent to whom, for support), then deleted; dead
    # rows stay for someone to look at (None: until removed by hand). Dashboard events are worth
    # nothing once shown: a floor scanning 200 times a second would otherwise add 17 million rows
    # a day, so they go as soon as they are delivered, and dead ones after an hour.
    keep_delivered_hours: float = Field(default=168, ge=0)
    keep_dead_hours: float | None = Field(default=None, ge=0)
    live_keep_delivered_hours: float = Field(default=0, ge=0)
    live_keep_dead_hours: float | None = Field(default=1, ge=0)
    # How often a relay deletes what it no longer keeps, in batches short enough not to hold up scans.
    prune_every_seconds: float = Field(default=5, gt=0)
    prune_batch: int = Field(default=500, ge=1)


class PrintSpec(BaseModel):
    """The print spooler run with the relay: label print jobs from the outbox to the printers."""

    enabled: bool = True
    poll_seconds: float = Field(default=0.5, gt=0)  # how soon a printer with new jobs gets a worker
    # A printer is driven by one server process; one that dies lets go of it after this long.
    lease_seconds: float = Field(default=15, gt=0)
    confirm_seconds: float = Field(default=0.2, gt=0)  # between "has it come out?" polls
    retry_base_seconds: float = Field(default=0.5, gt=0)  # asking a faulted printer again: from...
    retry_cap_seconds: float = Field(default=30, gt=0)  # ...up to this, with jitter


class NotificationsFile(BaseModel):
    # A brand here is refused: each merchant's brand is in config/merchants/<code>.yaml.
    model_config = ConfigDict(extra="forbid")

    smtp: SmtpSpec = Field(default_factory=SmtpSpec)
    webhooks: list[WebhookSpec] = Field(default_factory=list)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    relay: RelaySpec = Field(default_factory=RelaySpec)
    printing: PrintSpec = Field(default_factory=PrintSpec)


@dataclass(frozen=True)
class Brand:
    name: str
    primary_colour: str
    accent_colour: str
    logo_url: str
    sender: str
    support_email: str
    base_url: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    secret: str
    topics: tuple[str, ...]
    timeout_seconds: float


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    timeout_seconds: float = 30
    starttls: bool = False
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class NotifyConfig:
    smtp: SmtpServer
    endpoints: tuple[Endpoint, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    relay: RelaySpec = field(default_factory=RelaySpec)
    printing: PrintSpec = field(default_factory=PrintSpec)


def _resolve(value: str, environ: Mapping[str, str]) -> str | None:
    """A `${VAR}` reference's value (None when unset), or the literal itself."""
    match = _ENV_REF.match(value.strip())
    if match is None:
        return value
    return environ.get(match.group(1)) or None


def _endpoint(hook: WebhookSpec, settings: Settings, env: Mapping[str, str], source: str) -> Endpoint | None:
    """One enabled webhook with its secrets read from the environment; None: left out (not in production)."""
    if settings.environment != "development" and _ENV_REF.match(hook.secret.strip()) is None:
        raise ConfigError(
            f"{source}: webhooks.{hook.name}.secret: write it as ${{VARIABLE}}, "
            "not as a literal, outside development"
        )
    url, secret = _resolve(hook.url, env), _resolve(hook.secret, env)
    if url is None or secret is None:
        missing = [v for v, r in ((hook.url, url), (hook.secret, secret)) if r is None]
        message = f"{source}: webhooks.{hook.name}: environment variable(s) not set: {', '.join(missing)}"
        if settings.environment == "production":
            raise ConfigError(message)
        log.warning("%s; the endpoint is left out", message)
        return None
    if not secret.startswith("whsec_"):
        raise ConfigError(f"{source}: webhooks.{hook.name}.secret: expected 'whsec_<base64>'")
    return Endpoint(hook.name, url, secret, tuple(hook.topics), hook.timeout_seconds)


def resolve(
    spec: NotificationsFile,
    settings: Settings,
    *,
    source: str = FILE_NAME,
    environ: Mapping[str, str] | None = None,
) -> NotifyConfig:
    """Turn the file's contents into what the relay uses, checking secrets against the environment."""
    env = os.environ if environ is None else environ
    found = (_endpoint(hook, settings, env, source) for hook in spec.webhooks if hook.enabled)
    endpoints = [endpoint for endpoint in found if endpoint is not None]
    password = (_resolve(spec.smtp.password, env) or "") if spec.smtp.password else ""
    return NotifyConfig(
        smtp=SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            timeout_seconds=spec.smtp.timeout_seconds,
            starttls=spec.smtp.starttls,
            username=spec.smtp.username,
            password=password,
        ),
        endpoints=tuple(endpoints),
        retry=RetryPolicy(spec.retry.max_attempts, spec.retry.base_seconds, spec.retry.cap_seconds),
        relay=spec.relay,
        printing=spec.printing,
    )


def brand_of(merchant: MerchantSpec, settings: Settings) -> Brand:
    """A merchant's brand as its e-mails wear it (the same definition its pages and labels read)."""
    brand = merchant.brand
    return Brand(
        name=brand.name,
        primary_colour=brand.colours.primary,
        accent_colour=brand.colours.accent,
        logo_url=brand.logo_url,
        sender=brand.sender or settings.smtp_sender,
        support_email=brand.support_email,
        base_url=(brand.base_url or settings.base_url).rstrip("/"),
    )


def endpoints_of(
    merchant: MerchantSpec, settings: Settings, *, environ: Mapping[str, str] | None = None
) -> tuple[Endpoint, ...]:
    """A merchant's enabled webhook endpoints, secrets read from the environment; each named
    `<merchant code>/<name>` so that two merchants' endpoints never mix."""
    env = os.environ if environ is None else environ
    source = f"config/merchants/{merchant.code.lower()}.yaml"
    found = []
    for hook in merchant.webhooks:
        if not hook.enabled:
            continue
        spec = WebhookSpec(
            name=f"{merchant.code}/{hook.name}",
            url=hook.url,
            secret=hook.secret,
            topics=list(hook.topics),
            timeout_seconds=hook.timeout_seconds,
        )
        endpoint = _endpoint(spec, settings, env, source)
        if endpoint is not None:
            found.append(endpoint)
    return tuple(found)


def load(config_dir: Path, settings: Settings, *, environ: Mapping[str, str] | None = None) -> NotifyConfig:
    path = config_dir / FILE_NAME
    if not path.exists():
        return resolve(NotificationsFile(), settings, source=str(path), environ=environ)
    return resolve(load_model(path, NotificationsFile), settings, source=str(path), environ=environ)
