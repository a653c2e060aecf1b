"""What a running server holds: settings, the site configuration, the database and the live bus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kaeru_config.settings import Settings
from kaeru_config.site import SiteConfig, load_site
from wms.db import Database


@dataclass
class Kaeru:
    settings: Settings
    site: SiteConfig
    db: Database
    # Other areas keep their loaded configuration here (returns policy, delivery calendars, ...).
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Kaeru:
        return cls(
            settings=settings,
            site=load_site(settings.config_dir),
            db=Database(settings.database_url, pool_size=settings.db_pool_size),
        )
