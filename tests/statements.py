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


def fewest_statements(engine: Engine, request: Callable[[], Any], runs: int = 3) -> int:
    """A request's own statements: the fewest of a few runs (a pooled connection idle for a while is
    pinged first, and the process's samplers may query meanwhile; the request's own never vary)."""
    return min(statements_of(engine, request) for _ in range(runs))
