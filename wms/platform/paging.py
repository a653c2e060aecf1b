"""Keyset pages for long lists (orders, returns): newest first, `?after=<cursor>&limit=N` continues
after the last row of the previous page with one indexed query (`id < cursor`), however deep the page.

A full page names the next one in its response headers: `Next-Cursor: <cursor>` and an RFC 8288
`Link: <url>; rel="next"` with the same query and `after` set. A page shorter than its limit is the last.
The cursor is the last row's id, opaque to clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

AFTER = "continue after this cursor (the Next-Cursor header of the previous page); newest first"


def announce_next(request: Request, response: Response, rows: Sequence[Any], limit: int) -> None:
    """Name the next page in the headers if this one is full (rows: views with an "id", or rows
    with an `id`)."""
    if not rows or len(rows) < limit:
        return
    last = rows[-1]
    cursor = str(last["id"] if isinstance(last, dict) else last.id)
    response.headers["Next-Cursor"] = cursor
    response.headers["Link"] = f'<{request.url.include_query_params(after=cursor)}>; rel="next"'
