"""The shopper's side over HTTP (JSON): the storefront's delivery estimates, Shopify order webhooks,
delivery claims (shopper and staff) and the tracking page's facts. The pages are in wms.shopper.site
and wms.shopper.portal; `router` mounts all three.

Shopper endpoints take a token from the shopper's link and no login: an order's tracking token opens
that order only; an unknown token answers 404 and says nothing about other orders.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from wms import delivery
from wms.auth import IdempotencyKey, KaeruDep, require
from wms.db import utcnow
from wms.errors import Invalid, Unauthorised
from wms.fulfilment.tables import Order
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Code, Id, Name
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Warehouse
from wms.platform.paging import AFTER_OLDEST, announce_next
from wms.shopper import claims, edd, model, portal, queries, schemas, shopify, site
from wms.shopper.config import Shopify
from wms.shopper.tracking import tracking_view
from wms.shopper.views import claim_view

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["shopper"])
Storefront = Annotated[Principal, Depends(require("orders.read"))]
ClaimReviewer = Annotated[Principal, Depends(require("claims.review"))]


# --- storefront: delivery estimates --------------------------------------------------------------


def _warehouse(session: Session, principal: Principal, code: Code) -> Warehouse:
    return (
        warehouse_by_code(session, principal, code) if code else queries.default_warehouse(session, principal)
    )


def _destination(body: schemas.EddIn) -> delivery.Destination:
    try:
        return delivery.Destination(
            country=body.destination.country.upper(), postal_code=body.destination.postal_code
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


@api.post("/edd", summary="Delivery-date estimates for a cart, by destination (storefront)")
def cart_edd(body: schemas.EddIn, kaeru: KaeruDep, principal: Storefront) -> schemas.CartEstimates:
    brain = edd.brain_of(kaeru)
    if (body.carrier is None) != (body.service is None):
        raise Invalid("give both carrier and service, or neither")
    destination = _destination(body)
    lines: dict[str, int] = {}
    for line in body.lines:
        lines[line.sku] = lines.get(line.sku, 0) + line.quantity
    with kaeru.db.read() as session:
        warehouse = _warehouse(session, principal, body.warehouse)
        estimates = edd.cart_estimates(
            session,
            brain,
            warehouse=warehouse,
            destination=destination,
            lines=lines,
            confidence=body.confidence,
            now=utcnow(),
            only=(body.carrier, body.service) if body.carrier and body.service else None,
        )
    if not estimates:
        raise Invalid(
            f"no configured service delivers to {destination.country} {destination.postal_code}".strip()
        )
    return schemas.CartEstimates.model_validate(
        {"warehouse": warehouse.code, "destination": body.destination.model_dump(), "estimates": estimates}
    )


@api.get("/edd/orders/{number}", summary="An order's current delivery estimate")
def order_edd(
    number: Code,
    kaeru: KaeruDep,
    principal: Storefront,
    warehouse: Code = "",
    confidence: float | None = Query(default=None, gt=0, lt=1),
) -> schemas.OrderEstimate:
    with kaeru.db.read() as session:
        site_row = _warehouse(session, principal, warehouse)
        order = edd.order_by_number_or_404(session, site_row.id or 0, number, principal)
        estimate = edd.order_estimate(session, edd.brain_of(kaeru).state, order, confidence=confidence)
    return schemas.OrderEstimate.model_validate(estimate)


# --- Shopify orders/create webhooks --------------------------------------------------------------


def _webhook_id(request: Request, config: Shopify, body: bytes) -> str:
    """The webhook's id, once its signature, shop and topic are checked."""
    if not model.signature_valid(config.secret(), body, request.headers.get("X-Shopify-Hmac-Sha256")):
        raise Unauthorised("the X-Shopify-Hmac-Sha256 signature is missing or does not match this body")
    shop = request.headers.get("X-Shopify-Shop-Domain", "")
    if shop and shop.lower() != config.shop_domain.lower():
        raise Unauthorised(f"webhooks are accepted from {config.shop_domain} only, not {shop}")
    topic = request.headers.get("X-Shopify-Topic", "orders/create")
    if topic != "orders/create":
        raise Invalid(f"this endpoint takes orders/create webhooks, not {topic}")
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    if not webhook_id or len(webhook_id) > 100:
        raise Invalid("the X-Shopify-Webhook-Id header is missing: it is needed to import each order once")
    return webhook_id


def _not_configured(config: Shopify) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={
            "error": "not_configured",
            "message": f"Shopify webhooks are not set up: set {config.webhook_secret_env} "
            "to the shop's signing secret",
        },
    )


@api.post(
    "/integrations/shopify/orders",
    status_code=201,
    tags=["integrations"],
    summary="Shopify orders/create webhook (signed with X-Shopify-Hmac-Sha256)",
    response_model=None,
    responses={
        201: {"model": schemas.ShopifyOrderImported, "description": "the order was imported"},
        200: {"model": schemas.ShopifyOrderImported, "description": "received before: its order"},
        401: {"description": "The signature or the shop domain does not match"},
        503: {"description": "Shopify webhooks are not set up on this server"},
    },
)
async def shopify_order(request: Request, kaeru: KaeruDep) -> Response:
    shop_header = request.headers.get("X-Shopify-Shop-Domain", "")
    config = (await run_in_threadpool(shopify.connection_for, kaeru, shop_header)).shop
    if not config.secret():
        return _not_configured(config)
    body = await request.body()
    webhook_id = _webhook_id(request, config, body)
    shop = request.headers.get("X-Shopify-Shop-Domain", "")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}") from exc

    def work(session: Session) -> tuple[Order, bool]:
        return shopify.import_shopify_order(
            session, kaeru, webhook_id=webhook_id, shop_domain=shop, payload=payload
        )

    try:
        order, repeated = await run_in_threadpool(kaeru.db.write, work)
    except IntegrityError:
        # The same webhook delivered twice at once: the other delivery imported it.
        order, repeated = await run_in_threadpool(kaeru.db.write, work)
    answer = schemas.ShopifyOrderImported(
        order=order.number, id=order.id, status=order.status, duplicate=repeated
    )
    return JSONResponse(status_code=200 if repeated else 201, content=answer.model_dump())


# --- delivery claims -----------------------------------------------------------------------------


@api.post(
    "/shopper/orders/{token}/claims",
    status_code=201,
    summary="Report a delivery problem (shopper)",
    response_model=schemas.ClaimPublic,
)
def shopper_claim(token: Name, body: schemas.ClaimIn, kaeru: KaeruDep, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = queries.order_by_token(session, token)
        return claim_view(
            claims.file_claim(session, kaeru, order, kind=body.kind, lines=body.lines, note=body.note)
        )

    return mutate(kaeru, f"shopper:{token[:24]}", key, body.model_dump(), work, status=201)


@api.get("/claims", tags=["claims"], summary="Delivery claims, e.g. those held for review")
def list_claims(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: ClaimReviewer,
    status: Code | None = "review",
    limit: int = Query(default=100, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER_OLDEST),
) -> list[schemas.ClaimStaff]:
    with kaeru.db.read() as session:
        found = queries.claims(session, principal, status=status, limit=limit, after=after)
        page = [schemas.ClaimStaff.model_validate(claim_view(c, staff=True)) for c in found]
    announce_next(request, response, found, limit)
    return page


@api.get("/claims/{number}", tags=["claims"], summary="One delivery claim with its evidence")
def get_claim(number: Code, kaeru: KaeruDep, principal: ClaimReviewer) -> schemas.ClaimStaff:
    with kaeru.db.read() as session:
        claim = queries.claim_by_number(session, principal, number)
        return schemas.ClaimStaff.model_validate(claim_view(claim, staff=True))


@api.post(
    "/claims/{number}/decide",
    tags=["claims"],
    summary="Settle a claim held for review",
    response_model=schemas.ClaimStaff,
)
def decide_claim(
    number: Code,
    body: schemas.DecisionIn,
    kaeru: KaeruDep,
    principal: ClaimReviewer,
    key: IdempotencyKey = None,
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        claim = queries.claim_by_number(session, principal, number)
        decided = claims.decide(session, kaeru, principal, claim, resolution=body.resolution, note=body.note)
        return claim_view(decided, staff=True)

    return mutate(kaeru, principal, key, body.model_dump(), work)


@api.get(
    "/shopper/orders/{token}/tracking",
    summary="The tracking page's facts as JSON (shopper)",
    response_model=schemas.Tracking,
)
def tracking_json(token: Name, kaeru: KaeruDep) -> JSONResponse:
    with kaeru.db.read() as session:
        view = tracking_view(session, kaeru, queries.order_by_token(session, token))
    order: Order = view["order"]
    # Encoded here, as it always was (carrier events keep their own keys), then described by Tracking.
    return JSONResponse(
        jsonable_encoder(
            {
                "order": {
                    "number": order.number,
                    "status": order.status,
                    "promised_date": order.promised_date,
                },
                "lines": view["lines"],
                "estimate": view["estimate"],
                "timeline": view["timeline"],
                "shipments": [
                    {
                        "carrier": s.carrier,
                        "tracking_number": s.tracking_number,
                        "status": s.status,
                        "estimated_delivery": s.estimated_delivery,
                    }
                    for s in view["shipments"]
                ],
                "returnable": view["returnable"],
                "claims": view["claims"],
                "returns": view["returns"],
            }
        )
    )


router.include_router(api)
router.include_router(site.router)
router.include_router(portal.router)
