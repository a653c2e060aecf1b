"""A returns floor shared by the tests of one module, per backend.

Tests on the shared floor use their own SKUs, GTINs, order numbers and shopper addresses (see
`Catalogue`), so that no test sees another's data.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import load_site
from tests.floor import Floor
from tests.integration.returns.returns_floor import Catalogue
from wms.context import Kaeru
from wms.db import Database
from wms.site import apply_site

_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_floor(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    """One site per module and backend (setting up a floor costs seconds; tests share it)."""
    base = tmp_path_factory.mktemp("returns")
    if request.param == "sqlite":
        url = f"sqlite:///{base / 'kaeru.db'}"
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
    else:
        url = request.getfixturevalue("pg_database")
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.dispose()
    settings = Settings(
        environment="test",
        database_url=url,
        config_dir=ROOT / "config",
        media_dir=base / "media",
        run_relay=False,
        db_pool_size=40,
    )
    kaeru = Kaeru(
        settings=settings,
        site=load_site(settings.config_dir),
        db=Database(url, pool_size=settings.db_pool_size),
    )
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    floor = Floor(kaeru)
    yield floor
    floor.close()
    kaeru.db.dispose()


@pytest.fixture
def catalogue(shared_floor: Floor) -> Catalogue:
    return Catalogue(shared_floor, 1000 + next(_numbers))
