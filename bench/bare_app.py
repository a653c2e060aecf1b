"""The baseline: a bare FastAPI JSON endpoint, served the same way as Kaeru, for ratios in benchmarks."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    raw: str
    scanned_at: str | None = None


@app.post("/api/v1/scans")
def echo(
    body: Body,
    authorization: str | None = Header(default=None),
    idempotency_key: str | None = Header(default=None),
) -> dict[str, Any]:
    return {"outcome": "accepted", "raw": body.raw, "key": idempotency_key}
