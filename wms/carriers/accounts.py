"""Carrier accounts: the one place Kaeru finds the account a parcel ships on.

Credentials come from KAERU_CARRIER_ACCOUNTS (JSON) or the file KAERU_CARRIER_SECRETS_FILE names;
they are never logged, never put in an error and never returned by the API (`Account.__repr__`
hides them). Accounts are per carrier now; a merchant's own accounts will be looked up here too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kaeru_config.settings import Settings
from kaeru_config.site import ConfigError


@dataclass(frozen=True)
class Account:
    carrier: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    account_number: str = ""
    server_url: str = ""  # empty: the carrier's own servers
    options: dict[str, Any] = field(default_factory=dict, repr=False)


class NoAccount(LookupError):
    pass


def _accounts(settings: Settings) -> dict[str, Any]:
    raw = settings.carrier_accounts.get_secret_value()
    if not raw and settings.carrier_secrets_file is not None:
        raw = settings.carrier_secrets_file.read_text(encoding="utf-8")
    if not raw:
        return {}
    try:
        accounts = json.loads(raw)
    except json.JSONDecodeError as error:  # the message names the position only, never the content
        raise ConfigError(f"carrier accounts are not valid JSON (line {error.lineno})") from None
    if not isinstance(accounts, dict):
        raise ConfigError("carrier accounts must be a JSON object keyed by carrier")
    return {str(name).upper(): value for name, value in accounts.items()}


def carrier_account(settings: Settings, carrier: str, merchant_id: int | None = None) -> Account:
    """The account `carrier` parcels ship on (for `merchant_id`, once merchants hold their own)."""
    entry = _accounts(settings).get(carrier.upper())
    if not isinstance(entry, dict) or not entry.get("client_id"):
        raise NoAccount(f"no {carrier} account is configured (KAERU_CARRIER_ACCOUNTS)")
    return Account(
        carrier=carrier.upper(),
        client_id=str(entry["client_id"]),
        client_secret=str(entry.get("client_secret", "")),
        account_number=str(entry.get("account_number", "")),
        server_url=str(entry.get("server_url") or settings.carrier_url),
        options={k: v for k, v in entry.items() if k not in {"client_id", "client_secret", "account_number"}},
    )
