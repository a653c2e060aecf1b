"""The return portal: a shopper picks items and reasons, sees the outcomes the policy offers, confirms,
and lands on the return's label page. HTML forms, answered with pages or redirects (PRG)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from wms.auth import KaeruDep
from wms.context import Kaeru
from wms.errors import Invalid, KaeruError, NotFound
from wms.platform.idempotency import run_once
from wms.returns import service as returns
from wms.returns.policy import REASONS
from wms.shopper import pages, queries
from wms.shopper.site import locale_of, not_found, page

router = APIRouter(include_in_schema=False)


def _offered(session: Session, kaeru: Kaeru, request: Request, token: str) -> tuple[dict[str, Any], str, int]:
    """What the merchant's policy lets the shopper return from the order behind the token, the page's
    language, and the merchant."""
    order = queries.order_by_token(session, token)
    options = returns.return_options(session, returns.config_of(kaeru, order.merchant_id), order)
    return options, locale_of(request, queries.shopper_locale(session, order)), order.merchant_id


@router.get("/t/{token}/return", response_class=HTMLResponse)
def return_page(token: str, request: Request, kaeru: KaeruDep, error: str = "") -> HTMLResponse:
    with kaeru.db.read() as session:
        try:
            options, locale, merchant_id = _offered(session, kaeru, request, token)
        except NotFound:
            return not_found(kaeru, request)
    return page(
        kaeru,
        "return_form.html.j2",
        locale,
        merchant_id=merchant_id,
        token=token,
        options=options,
        error=error,
    )


def _quantity(form: dict[str, str], line_id: str) -> int:
    try:
        return int(form.get(f"qty_{line_id}", "0") or 0)
    except ValueError:
        return 0


def _chosen(
    form: dict[str, str], options: dict[str, Any], *, listed: list[str] | None = None
) -> list[dict[str, Any]]:
    """The lines the shopper picked (quantity > 0) with the outcomes the policy offers for their reason."""
    by_id = {str(line["order_line_id"]): line for line in options["lines"] if line["eligible"]}
    chosen = []
    for line_id, line in by_id.items():
        if listed is not None and line_id not in listed:
            continue
        quantity = _quantity(form, line_id)
        reason = form.get(f"reason_{line_id}", "")
        if quantity <= 0:
            continue
        if reason not in REASONS:
            raise Invalid("choose a reason for {line}", line=line["name"])
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


def _options_page(kaeru: Kaeru, request: Request, token: str, form: dict[str, str]) -> HTMLResponse:
    with kaeru.db.read() as session:
        try:
            options, locale, merchant_id = _offered(session, kaeru, request, token)
        except NotFound:
            return not_found(kaeru, request)
        try:
            choices = _chosen(form, options)
            if not choices:
                raise Invalid(pages.translate(locale, "portal.none_chosen"))
        except Invalid as exc:
            form_page = "return_form.html.j2"
            return page(
                kaeru,
                form_page,
                locale,
                status=422,
                merchant_id=merchant_id,
                token=token,
                options=options,
                error=exc.message,
            )
        skus = {sku for c in choices for o in c["options"] for sku in o.get("exchange_skus", [])}
        names = queries.variant_names(session, skus)
    return page(
        kaeru,
        "return_options.html.j2",
        locale,
        merchant_id=merchant_id,
        token=token,
        choices=choices,
        variant_names=names,
        nonce=secrets.token_urlsafe(16),
    )


@router.post("/t/{token}/return/options", response_class=HTMLResponse)
async def return_options_page(token: str, request: Request, kaeru: KaeruDep) -> HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_options_page, kaeru, request, token, form)


def _return_lines(form: dict[str, str], options: dict[str, Any], listed: list[str]) -> list[Any]:
    """The return lines the shopper confirmed, each with an outcome the policy offered."""
    lines = []
    for choice in _chosen(form, options, listed=listed):
        line_id = choice["order_line_id"]
        outcome = form.get(f"outcome_{line_id}", "refund")
        offered = {o["outcome"] for o in choice["options"]}
        if outcome not in offered:
            raise Invalid(
                "{choice}: {outcome} is not one of the choices offered",
                choice=choice["name"],
                outcome=outcome,
            )
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
    return lines


def _confirm(kaeru: Kaeru, token: str, form: dict[str, str], listed: list[str]) -> dict[str, Any]:
    """Authorise the return; a form sent twice (same nonce) authorises it once."""

    def work(session: Session) -> dict[str, Any]:
        order = queries.order_by_token(session, token)
        options = returns.return_options(session, returns.config_of(kaeru, order.merchant_id), order)
        lines = _return_lines(form, options, listed)
        rma = returns.authorise(
            session, kaeru=kaeru, principal=None, order=order, lines=lines, channel="shopper"
        )
        return {"token": rma.token}

    nonce = form.get("nonce", "")
    if not nonce:
        return kaeru.db.write(work)
    status, answer = run_once(
        kaeru.db,
        client=f"shopper-portal:{token[:24]}",
        key=nonce,
        body={k: form[k] for k in sorted(form)},
        work=lambda s: (201, work(s)),
    )
    if status >= 400:
        raise Invalid(str(answer.get("message", "the return could not be started")))
    return answer


@router.post("/t/{token}/return/confirm")
async def return_confirm(token: str, request: Request, kaeru: KaeruDep) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    listed = [str(v) for v in raw.getlist("line")]

    def run() -> Response:
        try:
            answer = _confirm(kaeru, token, form, listed)
        except NotFound:
            return not_found(kaeru, request)
        except KaeruError as exc:
            query = urlencode({"lang": request.query_params.get("lang", ""), "error": exc.message})
            return RedirectResponse(f"/t/{token}/return?{query}", status_code=303)
        lang = request.query_params.get("lang")
        return RedirectResponse(f"/r/{answer['token']}" + (f"?lang={lang}" if lang else ""), status_code=303)

    return await run_in_threadpool(run)
