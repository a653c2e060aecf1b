"""Scan ingest over HTTP: one scan, a replayed batch, a station's weights and device health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Forbidden, Invalid
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Id
from wms.platform.idempotency import run_batch, run_once
from wms.platform.paging import AFTER, announce_next
from wms.scanning import assignment, queries, routes, service
from wms.scanning.schemas import (
    AssignmentIn,
    AssignmentPublic,
    BatchAnswer,
    BatchIn,
    HealthIn,
    HealthReported,
    ScanAnswer,
    ScanIn,
    ScanRecordPublic,
    WeightIn,
    WeightReported,
)

router = APIRouter(prefix="/api/v1", tags=["scanning"])
Scanner = Annotated[Principal, Depends(require("scan"))]
Reporter = Annotated[Principal, Depends(require("device.report"))]


def _raw(scan: ScanIn) -> str:
    if scan.epc:
        return f"EPC:{scan.epc.strip().upper()}"
    if not scan.raw:
        raise Invalid("a scan needs the text the scanner sent (raw) or an RFID EPC")
    return scan.raw


# The scan path answers with its own JSONResponse (the model only describes it: nothing is re-validated).
@router.post(
    "/scans",
    summary="Record and route one scan (Idempotency-Key required)",
    response_model=ScanAnswer,
    responses={
        code: {
            "model": ScanAnswer,
            "description": "The scan was recorded and refused (`data.error` says why)",
        }
        for code in (404, 409, 422)
    },
)
def post_scan(scan: ScanIn, kaeru: KaeruDep, principal: Scanner, key: IdempotencyKey = None) -> JSONResponse:
    raw = _raw(scan)
    ahead = service.look_ahead(kaeru, principal)  # the device's mode comes with the key's look-up
    status, body = run_once(
        kaeru.db,
        client=principal.key,
        key=key or "",
        body=scan.model_dump(mode="json"),
        work=lambda s: service.ingest(s, kaeru, principal, raw=raw, scanned_at=scan.scanned_at, ahead=ahead),
        ahead=ahead,
    )
    return JSONResponse(status_code=status, content=body)


@router.post(
    "/scans/batch",
    summary="Replay a device's offline queue, in order, once per key",
    response_model=BatchAnswer,
)
def post_batch(batch: BatchIn, kaeru: KaeruDep, principal: Scanner) -> Any:
    items = [(s.idempotency_key, s.model_dump(mode="json", exclude={"idempotency_key"})) for s in batch.scans]

    def work(session: Session) -> list[dict[str, Any]]:
        def one(s: Session, index: int) -> tuple[int, dict[str, Any]]:
            scan = batch.scans[index].checked()  # a refused scan is answered 422 in its place
            return service.ingest(s, kaeru, principal, raw=_raw(scan), scanned_at=scan.scanned_at)

        results = run_batch(session, client=principal.key, items=items, work=one)
        return [
            {"idempotency_key": key, "status": outcome[0], "replayed": replayed, **outcome[1]}
            for (key, _), (outcome, replayed) in zip(items, results, strict=True)
        ]

    return {"results": kaeru.db.write(work)}


@router.get("/scans", summary="Recent scans of the caller's warehouse", response_model=list[ScanRecordPublic])
def recent_scans(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Annotated[Principal, Depends(require("inventory.read"))],
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER),
) -> Any:
    with kaeru.db.read() as session:
        page = queries.recent_scans(session, principal, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


@router.post("/devices/weights", summary="A station scale's reading", response_model=WeightReported)
def post_weight(weight: WeightIn, kaeru: KaeruDep, principal: Reporter, key: IdempotencyKey = None) -> Any:
    return mutate(
        kaeru,
        principal,
        key,
        weight.model_dump(mode="json"),
        lambda s: service.report_weight(
            s, principal, grams=weight.grams, stable=weight.stable, measured_at=weight.measured_at
        ),
    )


@router.post("/devices/health", summary="A device's connection state", response_model=HealthReported)
def post_health(health: HealthIn, kaeru: KaeruDep, principal: Reporter, key: IdempotencyKey = None) -> Any:
    return mutate(
        kaeru,
        principal,
        key,
        health.model_dump(mode="json"),
        lambda s: service.report_health(
            s,
            principal,
            device_code=health.device,
            state=health.state,
            detail=health.detail,
            last_seen=health.last_seen,
        ),
    )


@router.put(
    "/devices/assignment",
    summary="Point the caller's scans at a mode (idle, pick, pack, returns ...)",
    response_model=AssignmentPublic,
)
def put_assignment(body: AssignmentIn, kaeru: KaeruDep, principal: Scanner, request: Request) -> Any:
    if not principal.can(routes.permission_for(body.mode)):
        raise Forbidden(principal.refusal(routes.permission_for(body.mode)))

    def work(session: Session) -> dict[str, Any]:
        a = assignment.resume_or_assign(
            session, principal, mode=body.mode, ref_type=body.ref_type, ref_id=body.ref_id
        )
        return {"mode": a.mode, "ref_type": a.ref_type, "ref_id": a.ref_id, "state": a.state}

    return kaeru.db.write(work)
