"""Print jobs over HTTP: what became of a label (printed, waiting for its printer and why, failed)
and a reprint. The screens show this instead of assuming a label printed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Invalid
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Code
from wms.notify import jobs
from wms.notify.schemas import PrintJobPublic, ReprintIn

router = APIRouter(prefix="/api/v1", tags=["printing"])
Printer = Annotated[Principal, Depends(require("print"))]


@router.get(
    "/print-jobs",
    response_model=list[PrintJobPublic],
    summary="The print jobs of an order, a carton or a graded unit, oldest first",
)
def list_jobs(
    kaeru: KaeruDep,
    principal: Printer,
    order: Annotated[Code | None, Query(description="order number")] = None,
    sscc: Annotated[Code | None, Query(max_length=18, description="carton SSCC")] = None,
    lpn: Annotated[Code | None, Query(description="a graded unit's tag, without LPN-")] = None,
) -> Any:
    given = {k: v for k, v in (("order", order), ("sscc", sscc), ("lpn", lpn)) if v}
    if len(given) != 1:
        raise Invalid("name one of order, sscc or lpn")
    [(key, value)] = given.items()
    with kaeru.db.read() as session:
        return jobs.jobs_for(session, principal, key=key, value=value)


@router.post(
    "/print-jobs/{job_id}/reprint",
    status_code=201,
    response_model=PrintJobPublic,
    summary="Print the label again (after it printed or failed), on the same or another printer",
)
def reprint(
    job_id: Code, body: ReprintIn, kaeru: KaeruDep, principal: Printer, key: IdempotencyKey = None
) -> Any:
    return mutate(
        kaeru,
        principal,
        key,
        {"job": job_id, **body.model_dump(mode="json")},
        lambda s: jobs.reprint(s, principal, job_id, printer=body.printer),
    )
