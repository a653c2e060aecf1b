"""Carrier labels over HTTP: ask again for a carton's label, void a label, the end-of-day manifest and
what waits for it, and a poll of the carriers' tracking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from wms.auth import KaeruDep, require
from wms.carriers import labels
from wms.carriers.schemas import LabelPublic, ManifestIn, ManifestPublic, TrackingPolled
from wms.fulfilment import queries
from wms.fulfilment.schemas import CartonPublic
from wms.identity.model import Principal
from wms.inputs import Code
from wms.inventory.catalogue import warehouse_by_code

router = APIRouter(prefix="/api/v1", tags=["carriers"])
Packer = Annotated[Principal, Depends(require("packing.work"))]
Tracker = Annotated[Principal, Depends(require("shipping.track"))]


@router.post(
    "/packing/cartons/{sscc}/label",
    summary="Ask the carrier again for a carton's label (after fixing what it refused, or now)",
    response_model=CartonPublic,
)
def label_again(sscc: Code, kaeru: KaeruDep, principal: Packer) -> Any:
    with kaeru.db.read() as session:
        carton = queries.carton_by_sscc(session, principal, sscc)
    labels.retry(kaeru, principal=principal, carton_id=carton.id or 0)
    with kaeru.db.read() as session:
        return queries.carton_view(session, queries.carton_by_sscc(session, principal, sscc))


@router.post(
    "/carriers/labels/{tracking_number}/void",
    summary="Void a label the carrier has not picked up yet",
    response_model=LabelPublic,
)
def void(tracking_number: Code, kaeru: KaeruDep, principal: Packer) -> Any:
    return _label(labels.void(kaeru, principal=principal, tracking_number=tracking_number))


@router.post(
    "/carriers/manifests", summary="Close out the day's labels of one carrier", response_model=ManifestPublic
)
def manifest(body: ManifestIn, kaeru: KaeruDep, principal: Packer) -> Any:
    with kaeru.db.read() as session:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
    row = labels.manifest(
        kaeru, principal=principal, warehouse_id=warehouse.id or 0, carrier=body.carrier.upper()
    )
    return {
        "id": row.id,
        "carrier": row.carrier,
        "identifier": row.identifier,
        "parcels": row.parcels,
        "document": bool(row.document),
        "created_at": row.created_at,
    }


@router.get(
    "/carriers/unmanifested",
    summary="Labels bought and not yet on a manifest (oldest first, at most 200)",
    response_model=list[LabelPublic],
)
def unmanifested(kaeru: KaeruDep, principal: Packer, warehouse: Annotated[Code, Query()]) -> Any:
    with kaeru.db.read() as session:
        found = warehouse_by_code(session, principal, warehouse)
        return [_label(label) for label in labels.unmanifested(session, warehouse_id=found.id or 0)]


@router.post(
    "/carriers/tracking/poll",
    summary="Ask the carriers now for the tracking of shipments on their way",
    response_model=TrackingPolled,
)
def poll(kaeru: KaeruDep, principal: Tracker) -> Any:
    return {"events": labels.poll_tracking(kaeru, principal=principal)}


def _label(label: Any) -> dict[str, Any]:
    return {
        "carrier": label.carrier,
        "service": label.service,
        "status": label.status,
        "tracking_number": label.tracking_number,
        "bought_at": label.bought_at,
    }
