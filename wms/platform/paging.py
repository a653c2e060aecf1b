"""Keyset pages for every list: `?after=<cursor>&limit=N` continues after the last row of the previous
page with one indexed query (`id < cursor` for newest-first lists, `id > cursor` for oldest-first ones,
the sort key and the id for lists in another stable order), however deep the page.

A full page names the next one in its response headers: `Next-Cursor: <cursor>` and an RFC 8288
`Link: <url>; rel="next"` with the same query and `after` set. A page shorter than its limit is the last.
The cursor is opaque to clients: the last row's id, or its sort key (`composite`) where the list is
ordered by something else. Rows added while a client pages are never answered twice, and rows that
were there when it began are answered once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from wms.errors import Invalid

AFTER = "continue after this cursor (the Next-Cursor header of the previous page); newest first"
AFTER_OLDEST = "continue after this cursor (the Next-Cursor header of the previous page); oldest first"
AFTER_ORDERED = "continue after this cursor (the Next-Cursor header of the previous page)"


def _row_id(row: Any) -> str:
    return str(row["id"] if isinstance(row, dict) else row.id)


def composite(*parts: int) -> str:
    """A cursor naming a row by its sort key and id (lists not ordered by id alone)."""
    return ".".join(str(part) for part in parts)


def read_composite(cursor: str | None, size: int) -> tuple[int, ...] | None:
    """The parts of a composite cursor; a cursor this list never gave is refused (422)."""
    if cursor is None:
        return None
    parts = cursor.split(".")
    if len(parts) != size or not all(part.isdigit() and len(part) <= 10 for part in parts):
        raise Invalid(f"{cursor!r} is not a cursor of this list: use the Next-Cursor header of a page")
    return tuple(int(part) for part in parts)


def announce_next(
    request: Request,
    response: Response,
    rows: Sequence[Any],
    limit: int,
    cursor_of: Callable[[Any], str] = _row_id,
) -> None:
    """Name the next page in the headers if this one is full (rows: views with an "id", or rows
    with an `id`, unless `cursor_of` says how the list names a row)."""
    if not rows or len(rows) < limit:
        return
    cursor = cursor_of(rows[-1])
    response.headers["Next-Cursor"] = cursor
    response.headers["Link"] = f'<{request.url.include_query_params(after=cursor)}>; rel="next"'
