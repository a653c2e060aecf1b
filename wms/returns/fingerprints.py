"""Keyed fingerprints of a shopper, for the warehouse's shared fraud signal: pure, no I/O.

A fingerprint is an HMAC-SHA256 of the normalised e-mail or postal address under the site's secret
key: equal inputs give equal fingerprints on this site only, and a fingerprint tells nothing of the
e-mail or address it was made from (docs/architecture.md, "Merchants").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalised_email(email: str) -> str:
    """Lower case, trimmed, without a "+tag" in the local part (jo+shop@x and jo@x are one person)."""
    local, _, domain = email.strip().casefold().partition("@")
    if not domain:
        return ""
    return f"{local.split('+', 1)[0]}@{domain}"


def normalised_address(address: Mapping[str, Any]) -> str:
    """Street, postal code and country, case- and punctuation-blind; "" when there is too little to tell."""
    parts = [str(address.get(key) or "") for key in ("street", "street2", "postal_code", "country")]
    text = unicodedata.normalize("NFKC", " ".join(parts)).casefold()
    text = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    street = str(address.get("street") or "").strip()
    postal = str(address.get("postal_code") or "").strip()
    return text if street and postal else ""


def fingerprints(secret: str, email: str, address: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, fingerprint) of what is known: "email", "address"."""
    found = []
    for kind, value in (("email", normalised_email(email)), ("address", normalised_address(address))):
        if value:
            digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
            found.append((kind, digest))
    return found
