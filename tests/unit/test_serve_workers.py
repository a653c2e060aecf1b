"""`kaeru serve --workers N` refuses a set-up in which the processes would not share one floor."""

from __future__ import annotations

import pytest
import typer

from kaeru_config.settings import Settings
from wms.cli import check_workers


def _settings(**values: str) -> Settings:
    return Settings(environment="test", **values)  # type: ignore[arg-type]


def test_one_worker_needs_nothing_shared() -> None:
    check_workers(_settings(), 1)


def test_several_workers_with_an_in_process_live_bus_are_refused_with_the_fix() -> None:
    with pytest.raises(typer.BadParameter, match="redis://"):
        check_workers(_settings(database_url="postgresql://db/kaeru"), 2)


@pytest.mark.parametrize("bus", ["redis://127.0.0.1:6379/0", "postgresql://db/kaeru"])
def test_several_workers_with_a_shared_live_bus_start(bus: str) -> None:
    check_workers(_settings(database_url="postgresql://db/kaeru", live_bus_url=bus), 2)


def test_zero_workers_is_refused() -> None:
    with pytest.raises(typer.BadParameter):
        check_workers(_settings(), 0)
