"""The shopper's pages, opened from the links in their emails: tracking, claims, the return label page
and unsubscribe (the return portal's form is in wms.shopper.portal). HTML, not part of the API document.

Pages take a token from the shopper's link and no login; an unknown token gets the not-found page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from wms.auth import KaeruDep
from wms.context import Kaeru
from wms.errors import KaeruError, NotFound
from wms.fulfilment.tables import Order, Shopper
from wms.merchants.directory import directory_of
from wms.returns import service as returns
from wms.shopper import after_delivery, claims, model, pages, queries
from wms.shopper.tracking import tracking_view
from wms.shopper.views import claim_code, claim_view, reason_text

router = APIRouter(include_in_schema=False)


def locale_of(request: Request, shopper_locale: str | None = None) -> str:
    return model.choose_locale(
        asked=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
        shopper_locale=shopper_locale,
    )


def page(
    kaeru: Kaeru,
    template: str,
    locale: str,
    status: int = 200,
    *,
    merchant_id: int | None = None,
    **context: Any,
) -> HTMLResponse:
    """A shopper page in the brand of the merchant whose order or return it shows (None: the default
    merchant's, for a page that shows no order)."""
    brand = directory_of(kaeru).by_id(merchant_id).spec.brand
    html = pages.render(template, locale=locale, brand=brand, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def not_found(kaeru: Kaeru, request: Request) -> HTMLResponse:
    return page(kaeru, "not_found.html.j2", locale_of(request), status=404)


@router.get("/shopper-static/shopper.css")
def stylesheet() -> FileResponse:
    return FileResponse(
        pages.STATIC / "shopper.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def _tracked(kaeru: Kaeru, request: Request, token: str) -> tuple[dict[str, Any], str, int] | None:
    """The tracking view behind a shopper's token, the page's language and the order's merchant;
    None: no such order."""
    with kaeru.db.read() as session:
        try:
            order = queries.order_by_token(session, token)
        except NotFound:
            return None
        locale = locale_of(request, queries.shopper_locale(session, order))
        return tracking_view(session, kaeru, order), locale, order.merchant_id


@router.get("/t/{token}", response_class=HTMLResponse)
def tracking_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    found = _tracked(kaeru, request, token)
    if found is None:
        return not_found(kaeru, request)
    view, locale, merchant_id = found
    delivered = [s.delivered_at for s in view["shipments"] if s.delivered_at]
    on = max(delivered).date() if delivered else None
    return page(kaeru, "tracking.html.j2", locale, merchant_id=merchant_id, delivered_on=on, **view)


@router.get("/r/{rma_token}", response_class=HTMLResponse)
def rma_page(rma_token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    with kaeru.db.read() as session:
        rma = queries.rma_by_token(session, rma_token)
        if rma is None:
            return not_found(kaeru, request)
        view = returns.rma_view(session, rma, staff=False)
        order = session.get(Order, rma.order_id) if rma.order_id else None
        shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
        locale = locale_of(request, shopper.locale if shopper else None)
    return page(
        kaeru,
        "rma.html.j2",
        locale,
        merchant_id=rma.merchant_id,
        rma=view,
        qr=pages.qr_svg(view["qr_payload"]),
        order_token=order.tracking_token if order else None,
    )


@router.get("/t/{token}/claim", response_class=HTMLResponse)
def claim_page(token: str, request: Request, kaeru: KaeruDep, error: str = "") -> HTMLResponse:
    found = _tracked(kaeru, request, token)
    if found is None:
        return not_found(kaeru, request)
    view, locale, merchant_id = found
    return page(
        kaeru,
        "claim_form.html.j2",
        locale,
        merchant_id=merchant_id,
        token=token,
        kinds=model.CLAIM_KINDS,
        lines=view["lines"],
        error=error,
    )


@router.post("/t/{token}/claim")
async def claim_submit(token: str, request: Request, kaeru: KaeruDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    lines = {
        k.removeprefix("qty_"): int(v)
        for k, v in form.items()
        if k.startswith("qty_") and v.isdigit() and int(v) > 0
    }

    def work(session: Session) -> str:
        order = queries.order_by_token(session, token)
        claim = claims.file_claim(
            session, kaeru, order, kind=form.get("kind", ""), lines=lines, note=form.get("note", "")
        )
        return claim_code(claim)

    def run() -> Response:
        lang = request.query_params.get("lang", "")
        try:
            number = kaeru.db.write(work)
        except NotFound:
            return not_found(kaeru, request)
        except KaeruError as exc:
            query = urlencode({"lang": lang, "error": exc.message})
            return RedirectResponse(f"/t/{token}/claim?{query}", status_code=303)
        return RedirectResponse(f"/t/{token}/claims/{number}?lang={lang}", status_code=303)

    return await run_in_threadpool(run)


@router.get("/t/{token}/claims/{number}", response_class=HTMLResponse)
def claim_result(token: str, number: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    with kaeru.db.read() as session:
        try:
            order = queries.order_by_token(session, token)
        except NotFound:
            return not_found(kaeru, request)
        claim = queries.claim_of_order(session, order, number)
        if claim is None:
            return not_found(kaeru, request)
        locale = locale_of(request, queries.shopper_locale(session, order))
    return page(
        kaeru,
        "claim.html.j2",
        locale,
        merchant_id=order.merchant_id,
        token=token,
        claim=claim_view(claim),
        reason=reason_text(claim.reason, locale),
    )


def _unsubscribe_page(kaeru: Kaeru, request: Request, token: str, *, act: bool) -> HTMLResponse:
    def work(session: Session) -> tuple[bool, str, int | None]:
        if act:
            row = after_delivery.unsubscribe(session, token)
        else:
            row = after_delivery.subscription_by_token(session, token)
        shopper = session.get(Shopper, row.shopper_id)
        if shopper is None:
            return row.unsubscribed_at is not None, "en", None
        return row.unsubscribed_at is not None, shopper.locale, shopper.merchant_id

    try:
        done, shopper_locale, merchant_id = kaeru.db.write(work)
    except NotFound:
        return not_found(kaeru, request)
    locale = locale_of(request, shopper_locale)
    return page(kaeru, "unsubscribe.html.j2", locale, merchant_id=merchant_id, token=token, done=done)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    return _unsubscribe_page(kaeru, request, token, act=False)


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058 List-Unsubscribe-Post lands here too)."""
    return _unsubscribe_page(kaeru, request, token, act=True)
