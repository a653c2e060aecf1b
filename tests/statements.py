"""Counting the SQL statements a request sends, to show a list costs the same whatever its length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def statements_of(engine: Engine, request: Callable[[], Any]) -> int:
    """How many statements `request` sent through the engine."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)
