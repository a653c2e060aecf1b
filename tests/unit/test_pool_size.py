"""How many database connections (and requests at once) a server process takes."""

from __future__ import annotations

import os

import pytest

from kaeru_config.settings import Settings, default_pool_size


def test_the_default_pool_follows_the_cores_within_bounds() -> None:
    assert default_pool_size(2) == 6
    assert default_pool_size(8) == 18
    assert default_pool_size(None) == 6  # unknown: sized for a small machine
    assert default_pool_size(1) == 6
    assert default_pool_size(64) == 32
    assert Settings(_env_file=None).db_pool_size == default_pool_size(os.cpu_count())  # type: ignore[call-arg]


def test_the_pool_size_comes_from_the_environment_and_is_positive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAERU_DB_POOL_SIZE", "9")
    assert Settings(_env_file=None).db_pool_size == 9  # type: ignore[call-arg]
    monkeypatch.setenv("KAERU_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings(_env_file=None)  # type: ignore[call-arg]
