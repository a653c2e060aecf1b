"""A floor (the app over a real database, staff with tokens) for the observability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.floor import Floor
from wms.context import Kaeru


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()
