"""Readiness: /readyz answers 200 only when this process can serve — the database answers, the live bus
takes a message, and the schema is at the newest migration this code knows. Otherwise 503 with the
reason of each failed check (a load balancer stops sending requests; an operator reads why).

/healthz (in wms/app.py) stays liveness: the process is up and its database reachable.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from wms.context import Kaeru
from wms.migrations.runner import alembic_config

router = APIRouter(tags=["platform"])


class Readiness(BaseModel):
    status: str  # ready | unready
    checks: dict[str, str]  # database, migrations, bus: "ok", or why not


CHECK_TIMEOUT_S = 3.0
HEALTH_CHANNEL = "kaeru_readyz"  # published to, subscribed by nobody


def migration_heads(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def schema_revisions(kaeru: Kaeru) -> set[str]:
    """The revisions the database is at (empty: never migrated); raises when the database does not answer."""
    with kaeru.db.read() as session:
        if kaeru.db.dialect == "postgresql":
            session.execute(text(f"SET LOCAL statement_timeout = {int(CHECK_TIMEOUT_S * 1000)}"))
        session.execute(text("SELECT 1"))
        try:
            with session.begin_nested():
                return {row[0] for row in session.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError:
            return set()


def _database_checks(kaeru: Kaeru, heads: set[str]) -> dict[str, str]:
    try:
        revisions = schema_revisions(kaeru)
    except SQLAlchemyError as exc:
        return {"database": f"unreachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    if revisions == heads:
        migrations = "ok"
    elif not revisions:
        migrations = f"never migrated; run `kaeru db upgrade` (head is {', '.join(sorted(heads))})"
    else:
        at, needed = ", ".join(sorted(revisions)), ", ".join(sorted(heads))
        migrations = f"at {at}, this code needs {needed}: run `kaeru db upgrade`"
    return {"database": "ok", "migrations": migrations}


async def _bus_check(kaeru: Kaeru) -> str:
    bus = kaeru.extras.get("live.bus")
    if bus is None:
        return "ok (no live bus configured)"
    try:
        await asyncio.wait_for(bus.publish(HEALTH_CHANNEL, "{}"), CHECK_TIMEOUT_S)
    except Exception as exc:  # whatever the backend raises, the answer is "not ready, because ..."
        return f"unreachable: {type(exc).__name__}: {exc}"[:300]
    return "ok"


@router.get(
    "/readyz",
    summary="Readiness: database, live bus and schema at the newest migration (503 with reasons otherwise)",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready; `checks` says why"}},
)
async def readyz(request: Request) -> Any:
    kaeru: Kaeru = request.app.state.kaeru
    heads: set[str] = request.app.state.kaeru_migration_heads
    checks = await asyncio.to_thread(_database_checks, kaeru, heads)
    checks["bus"] = await _bus_check(kaeru)
    ready = all(value.startswith("ok") for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unready", "checks": checks}, status_code=200 if ready else 503
    )
