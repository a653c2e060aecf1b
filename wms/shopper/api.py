"""The shopper's side over HTTP: the storefront's delivery estimates, Shopify order webhooks, delivery claims
(shopper and staff), and the shopper's pages (tracking, return portal, claims, unsubscribe).

Shopper pages and endpoints take a token from the shopper's link and no login: an order's tracking token
opens that order only; an unknown token answers 404 and says nothing about other orders.
"""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from wms import delivery
from wms.auth import IdempotencyKey, KaeruDep, require
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Invalid, KaeruError, NotFound, Unauthorised
from wms.fulfilment.tables import Order, Shopper
from wms.http import mutate
from wms.identity.model import Principal
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Item
from wms.platform.idempotency import run_once
from wms.returns import service as returns
from wms.returns.policy import REASONS
from wms.returns.tables import ReturnAuthorisation
from wms.shopper import edd, model, pages, service
from wms.shopper.tables import DeliveryClaim

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["shopper"])
site = APIRouter(include_in_schema=False)
Storefront = Annotated[Principal, Depends(require("orders.read"))]
ClaimReviewer = Annotated[Principal, Depends(require("claims.review"))]


# --- storefront: delivery estimates --------------------------------------------------------------


class CartLineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, gt=0, le=10_000)


class DestinationIn(BaseModel):
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    postal_code: str = Field(default="", max_length=16)


class EddIn(BaseModel):
    warehouse: str = Field(
        default="", max_length=32, description="ships from; default: the caller's or the first"
    )
    destination: DestinationIn
    lines: list[CartLineIn] = Field(min_length=1, max_length=200)
    confidence: float | None = Field(
        default=None, gt=0, lt=1, description="default: the network's (e.g. 0.9)"
    )
    carrier: str | None = Field(default=None, max_length=32, description="only this carrier and service")
    service: str | None = Field(default=None, max_length=32)


def _warehouse(session: Session, principal: Principal, code: str) -> Any:
    if code:
        return warehouse_by_code(session, principal, code)
    from wms.inventory.tables import Warehouse

    statement = select(Warehouse).order_by(col(Warehouse.id))
    if principal.warehouse_id is not None:
        statement = statement.where(Warehouse.id == principal.warehouse_id)
    found = session.exec(statement).first()
    if found is None:
        raise NotFound("no warehouse is set up yet")
    return found


@api.post("/edd", summary="Delivery-date estimates for a cart, by destination (storefront)")
def cart_edd(body: EddIn, kaeru: KaeruDep, principal: Storefront) -> dict[str, Any]:
    brain = edd.brain_of(kaeru)
    if (body.carrier is None) != (body.service is None):
        raise Invalid("give both carrier and service, or neither")
    try:
        destination = delivery.Destination(
            country=body.destination.country.upper(), postal_code=body.destination.postal_code
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    lines: dict[str, int] = {}
    for line in body.lines:
        lines[line.sku] = lines.get(line.sku, 0) + line.quantity
    with kaeru.db.read() as session:
        warehouse = _warehouse(session, principal, body.warehouse)
        only = (body.carrier, body.service) if body.carrier and body.service else None
        estimates = edd.cart_estimates(
            session,
            brain,
            warehouse=warehouse,
            destination=destination,
            lines=lines,
            confidence=body.confidence,
            now=utcnow(),
            only=only,
        )
    if not estimates:
        raise Invalid(
            f"no configured service delivers to {destination.country} {destination.postal_code}".strip()
        )
    return {"warehouse": warehouse.code, "destination": body.destination.model_dump(), "estimates": estimates}


@api.get("/edd/orders/{number}", summary="An order's current delivery estimate")
def order_edd(
    number: str,
    kaeru: KaeruDep,
    principal: Storefront,
    warehouse: str = "",
    confidence: float | None = Query(default=None, gt=0, lt=1),
) -> dict[str, Any]:
    with kaeru.db.read() as session:
        site_row = _warehouse(session, principal, warehouse)
        order = edd.order_by_number_or_404(session, site_row.id or 0, number)
        return edd.order_estimate(session, edd.brain_of(kaeru).state, order, confidence=confidence)


# --- Shopify orders/create webhooks --------------------------------------------------------------


@api.post(
    "/integrations/shopify/orders",
    status_code=201,
    tags=["integrations"],
    summary="Shopify orders/create webhook (signed with X-Shopify-Hmac-Sha256)",
)
async def shopify_order(request: Request, kaeru: KaeruDep) -> Response:
    config = service.config_of(kaeru).shopify
    secret = config.secret()
    if not secret:
        return JSONResponse(
            status_code=503,
            content={
                "error": "not_configured",
                "message": f"Shopify webhooks are not set up: set {config.webhook_secret_env} "
                "to the shop's signing secret",
            },
        )
    body = await request.body()
    if not model.signature_valid(secret, body, request.headers.get("X-Shopify-Hmac-Sha256")):
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
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}") from exc

    def work(session: Session) -> tuple[Order, bool]:
        return service.import_shopify_order(
            session, kaeru, webhook_id=webhook_id, shop_domain=shop, payload=payload
        )

    try:
        order, repeated = await run_in_threadpool(kaeru.db.write, work)
    except IntegrityError:
        # The same webhook delivered twice at once: the other delivery imported it.
        order, repeated = await run_in_threadpool(kaeru.db.write, work)
    return JSONResponse(
        status_code=200 if repeated else 201,
        content={"order": order.number, "id": order.id, "status": order.status, "duplicate": repeated},
    )


# --- delivery claims -----------------------------------------------------------------------------


class ClaimIn(BaseModel):
    kind: str = Field(description=f"one of {', '.join(model.CLAIM_KINDS)}")
    lines: dict[str, int] = Field(
        default_factory=dict, description="SKU -> units affected (not for not_received)"
    )
    note: str = Field(default="", max_length=1000)


class DecisionIn(BaseModel):
    resolution: str = Field(description=f"one of {', '.join(model.RESOLUTIONS)}")
    note: str = Field(
        default="", max_length=1000, description="the reason, told to the shopper (needed to deny)"
    )


@api.post("/shopper/orders/{token}/claims", status_code=201, summary="Report a delivery problem (shopper)")
def shopper_claim(token: str, body: ClaimIn, kaeru: KaeruDep, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = service.order_by_token(session, token)
        return service.claim_view(
            service.file_claim(session, kaeru, order, kind=body.kind, lines=body.lines, note=body.note)
        )

    return mutate(kaeru, f"shopper:{token[:24]}", key, body.model_dump(), work, status=201)


@api.get("/claims", tags=["claims"], summary="Delivery claims, e.g. those held for review")
def list_claims(
    kaeru: KaeruDep,
    principal: ClaimReviewer,
    status: str | None = "review",
    limit: int = Query(default=100, ge=1, le=500),
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(DeliveryClaim).order_by(col(DeliveryClaim.id)).limit(limit)
        if status:
            statement = statement.where(DeliveryClaim.status == status)
        if principal.warehouse_id is not None:
            statement = statement.where(DeliveryClaim.warehouse_id == principal.warehouse_id)
        return [service.claim_view(c, staff=True) for c in session.exec(statement)]


@api.get("/claims/{number}", tags=["claims"], summary="One delivery claim with its evidence")
def get_claim(number: str, kaeru: KaeruDep, principal: ClaimReviewer) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.claim_view(service.claim_by_number(session, principal, number), staff=True)


@api.post("/claims/{number}/decide", tags=["claims"], summary="Settle a claim held for review")
def decide_claim(
    number: str, body: DecisionIn, kaeru: KaeruDep, principal: ClaimReviewer, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        claim = service.claim_by_number(session, principal, number)
        return service.claim_view(
            service.decide(session, kaeru, principal, claim, resolution=body.resolution, note=body.note),
            staff=True,
        )

    return mutate(kaeru, principal, key, body.model_dump(), work)


@api.get("/shopper/orders/{token}/tracking", summary="The tracking page's facts as JSON (shopper)")
def tracking_json(token: str, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        view = service.tracking_view(session, kaeru, service.order_by_token(session, token))
    order: Order = view["order"]
    return jsonable_encoder(
        {
            "order": {"number": order.number, "status": order.status, "promised_date": order.promised_date},
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


# --- the shopper's pages -------------------------------------------------------------------------


def _locale(request: Request, shopper_locale: str | None = None) -> str:
    return model.choose_locale(
        asked=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
        shopper_locale=shopper_locale,
    )


def _page(kaeru: Kaeru, template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = pages.render(template, locale=locale, brand=service.config_of(kaeru).brand, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _not_found(kaeru: Kaeru, request: Request) -> HTMLResponse:
    return _page(kaeru, "not_found.html.j2", _locale(request), status=404)


def _shopper_locale(session: Session, order: Order) -> str:
    shopper = session.get(Shopper, order.shopper_id)
    return shopper.locale if shopper else "en"


@site.get("/shopper-static/shopper.css")
def stylesheet() -> FileResponse:
    return FileResponse(
        pages.STATIC / "shopper.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def _tracked(kaeru: Kaeru, request: Request, token: str) -> tuple[dict[str, Any], str] | None:
    """The tracking view behind a shopper's token, and the page's language; None: no such order."""
    with kaeru.db.read() as session:
        try:
            order = service.order_by_token(session, token)
        except NotFound:
            return None
        return service.tracking_view(session, kaeru, order), _locale(request, _shopper_locale(session, order))


@site.get("/t/{token}", response_class=HTMLResponse)
def tracking_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    found = _tracked(kaeru, request, token)
    if found is None:
        return _not_found(kaeru, request)
    view, locale = found
    delivered = [s.delivered_at for s in view["shipments"] if s.delivered_at]
    return _page(
        kaeru, "tracking.html.j2", locale, delivered_on=max(delivered).date() if delivered else None, **view
    )


def _variant_names(session: Session, skus: set[str]) -> dict[str, str]:
    rows = session.exec(select(Item).where(col(Item.sku).in_(list(skus)))).all() if skus else []
    return {i.sku: f"{i.name} {i.variant_label}".strip() if i.variant_label else i.name for i in rows}


@site.get("/t/{token}/return", response_class=HTMLResponse)
def return_page(token: str, request: Request, kaeru: KaeruDep, error: str = "") -> HTMLResponse:
    with kaeru.db.read() as session:
        try:
            order = service.order_by_token(session, token)
        except NotFound:
            return _not_found(kaeru, request)
        options = returns.return_options(session, returns.config_of(kaeru), order)
        locale = _locale(request, _shopper_locale(session, order))
    return _page(kaeru, "return_form.html.j2", locale, token=token, options=options, error=error)


def _chosen(
    form: dict[str, str], options: dict[str, Any], *, listed: list[str] | None = None
) -> list[dict[str, Any]]:
    """The lines the shopper picked (quantity > 0) with the outcomes the policy offers for their reason."""
    by_id = {str(line["order_line_id"]): line for line in options["lines"] if line["eligible"]}
    chosen = []
    for line_id, line in by_id.items():
        if listed is not None and line_id not in listed:
            continue
        try:
            quantity = int(form.get(f"qty_{line_id}", "0") or 0)
        except ValueError:
            quantity = 0
        reason = form.get(f"reason_{line_id}", "")
        if quantity <= 0:
            continue
        if reason not in REASONS:
            raise Invalid(f"choose a reason for {line['name']}")
        offered = line["options_by_reason"][reason]
        chosen.append(
            {
                "order_line_id": line["order_line_id"],
                "sku": line["sku"],
                "name": line["name"],
                "quantity": min(quantity, line["returnable"]),
                "reason": reason,
                "options": offered["options"],
                "keep_it": offered["keep_it"],
            }
        )
    return chosen


@site.post("/t/{token}/return/options", response_class=HTMLResponse)
async def return_options_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}

    def build() -> HTMLResponse:
        with kaeru.db.read() as session:
            try:
                order = service.order_by_token(session, token)
            except NotFound:
                return _not_found(kaeru, request)
            options = returns.return_options(session, returns.config_of(kaeru), order)
            locale = _locale(request, _shopper_locale(session, order))
            try:
                choices = _chosen(form, options)
            except Invalid as exc:
                return _page(
                    kaeru,
                    "return_form.html.j2",
                    locale,
                    status=422,
                    token=token,
                    options=options,
                    error=exc.message,
                )
            if not choices:
                return _page(
                    kaeru,
                    "return_form.html.j2",
                    locale,
                    status=422,
                    token=token,
                    options=options,
                    error=pages.translate(locale, "portal.none_chosen"),
                )
            skus = {sku for c in choices for o in c["options"] for sku in o.get("exchange_skus", [])}
            names = _variant_names(session, skus)
        return _page(
            kaeru,
            "return_options.html.j2",
            locale,
            token=token,
            choices=choices,
            variant_names=names,
            nonce=secrets.token_urlsafe(16),
        )

    return await run_in_threadpool(build)


@site.post("/t/{token}/return/confirm")
async def return_confirm(token: str, request: Request, kaeru: KaeruDep) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    listed = [str(v) for v in raw.getlist("line")]

    def work(session: Session) -> dict[str, Any]:
        order = service.order_by_token(session, token)
        options = returns.return_options(session, returns.config_of(kaeru), order)
        lines = []
        for choice in _chosen(form, options, listed=listed):
            line_id = choice["order_line_id"]
            outcome = form.get(f"outcome_{line_id}", "refund")
            offered = {o["outcome"] for o in choice["options"]}
            if outcome not in offered:
                raise Invalid(f"{choice['name']}: {outcome} is not one of the choices offered")
            lines.append(
                returns.NewReturnLine(
                    order_line_id=line_id,
                    sku=None,
                    quantity=choice["quantity"],
                    reason=choice["reason"],
                    outcome="refund" if outcome == "keep_it" else outcome,
                    exchange_sku=form.get(f"exchange_{line_id}") if outcome == "exchange" else None,
                )
            )
        if not lines:
            raise Invalid("choose at least one item to return")
        rma = returns.authorise(
            session, kaeru=kaeru, principal=None, order=order, lines=lines, channel="shopper"
        )
        return {"token": rma.token}

    def run() -> Response:
        nonce = form.get("nonce", "")
        try:
            if nonce:
                status, answer = run_once(
                    kaeru.db,
                    client=f"shopper-portal:{token[:24]}",
                    key=nonce,
                    body={k: form[k] for k in sorted(form)},
                    work=lambda s: (201, work(s)),
                )
                if status >= 400:
                    raise Invalid(str(answer.get("message", "the return could not be started")))
            else:
                answer = kaeru.db.write(work)
        except NotFound:
            return _not_found(kaeru, request)
        except KaeruError as exc:
            query = urlencode({"lang": request.query_params.get("lang", ""), "error": exc.message})
            return RedirectResponse(f"/t/{token}/return?{query}", status_code=303)
        lang = request.query_params.get("lang")
        return RedirectResponse(f"/r/{answer['token']}" + (f"?lang={lang}" if lang else ""), status_code=303)

    return await run_in_threadpool(run)


@site.get("/r/{rma_token}", response_class=HTMLResponse)
def rma_page(rma_token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    with kaeru.db.read() as session:
        rma = session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == rma_token)).first()
        if rma is None or not secrets.compare_digest(rma.token, rma_token):
            return _not_found(kaeru, request)
        view = returns.rma_view(session, rma, staff=False)
        order = session.get(Order, rma.order_id) if rma.order_id else None
        shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
        locale = _locale(request, shopper.locale if shopper else None)
    return _page(
        kaeru,
        "rma.html.j2",
        locale,
        rma=view,
        qr=pages.qr_svg(view["qr_payload"]),
        order_token=order.tracking_token if order else None,
    )


@site.get("/t/{token}/claim", response_class=HTMLResponse)
def claim_page(token: str, request: Request, kaeru: KaeruDep, error: str = "") -> HTMLResponse:
    found = _tracked(kaeru, request, token)
    if found is None:
        return _not_found(kaeru, request)
    view, locale = found
    return _page(
        kaeru,
        "claim_form.html.j2",
        locale,
        token=token,
        kinds=model.CLAIM_KINDS,
        lines=view["lines"],
        error=error,
    )


@site.post("/t/{token}/claim")
async def claim_submit(token: str, request: Request, kaeru: KaeruDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    lines = {
        k.removeprefix("qty_"): int(v)
        for k, v in form.items()
        if k.startswith("qty_") and v.isdigit() and int(v) > 0
    }

    def work(session: Session) -> str:
        order = service.order_by_token(session, token)
        claim = service.file_claim(
            session, kaeru, order, kind=form.get("kind", ""), lines=lines, note=form.get("note", "")
        )
        return service.claim_code(claim)

    def run() -> Response:
        lang = request.query_params.get("lang", "")
        try:
            number = kaeru.db.write(work)
        except NotFound:
            return _not_found(kaeru, request)
        except KaeruError as exc:
            query = urlencode({"lang": lang, "error": exc.message})
            return RedirectResponse(f"/t/{token}/claim?{query}", status_code=303)
        return RedirectResponse(f"/t/{token}/claims/{number}?lang={lang}", status_code=303)

    return await run_in_threadpool(run)


@site.get("/t/{token}/claims/{number}", response_class=HTMLResponse)
def claim_result(token: str, number: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    with kaeru.db.read() as session:
        try:
            order = service.order_by_token(session, token)
        except NotFound:
            return _not_found(kaeru, request)
        claim = session.exec(
            select(DeliveryClaim).where(
                DeliveryClaim.order_id == order.id, DeliveryClaim.number == number.removeprefix("CLM-")
            )
        ).first()
        if claim is None:
            return _not_found(kaeru, request)
        locale = _locale(request, _shopper_locale(session, order))
    return _page(
        kaeru,
        "claim.html.j2",
        locale,
        token=token,
        claim=service.claim_view(claim),
        reason=service.reason_text(claim.reason, locale),
    )


def _unsubscribe_page(kaeru: Kaeru, request: Request, token: str, *, act: bool) -> HTMLResponse:
    def work(session: Session) -> tuple[bool, str]:
        row = service.unsubscribe(session, token) if act else service.subscription_by_token(session, token)
        shopper = session.get(Shopper, row.shopper_id)
        return row.unsubscribed_at is not None, shopper.locale if shopper else "en"

    try:
        done, shopper_locale = kaeru.db.write(work)
    except NotFound:
        return _not_found(kaeru, request)
    return _page(kaeru, "unsubscribe.html.j2", _locale(request, shopper_locale), token=token, done=done)


@site.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    return _unsubscribe_page(kaeru, request, token, act=False)


@site.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058 List-Unsubscribe-Post lands here too)."""
    return _unsubscribe_page(kaeru, request, token, act=True)


router.include_router(api)
router.include_router(site)
