"""The OpenAPI document as clients need it: the bearer scheme, who may call what, every error answer.

FastAPI derives paths, parameters and response bodies from the routes. What it cannot see is added
here once, from the routes themselves: which operations take a bearer token (those depending on
`wms.auth.require` or `current_principal`) and the permission each needs; and the error answers each
operation can give, all in the one error body (`ErrorBody`) the handlers in wms/http.py write.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from wms.auth import current_principal
from wms.platform.idempotency import MAX_KEY_LENGTH

BEARER = "bearer"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorBody(BaseModel):
    """Every 4xx answer: a stable code for programs, a sentence for people, and details if any."""

    error: str
    message: str = Field(
        description="For people, in the caller's language (Accept-Language, else the user's)"
    )
    message_id: str | None = Field(
        default=None, description="The message's English template, stable for programs and translators"
    )
    params: dict[str, Any] | None = Field(default=None, description="The values of the template's {fields}")
    details: dict[str, Any] | None = None


ERROR_MEANING = {
    "401": "Not signed in: no bearer token, or one that is unknown, expired or revoked",
    "403": "Signed in, but the caller's role, warehouse or merchant does not allow this",
    "404": "No such object, or none the caller may see",
    "409": "Not possible in the object's present state, or the same Idempotency-Key is still in flight",
    "413": "The request body is larger than the server accepts",
    "422": "The request is malformed or a value is not acceptable (the message names each fault)",
}


def _auth_of(dependant: Dependant) -> tuple[bool, str | None]:
    """(takes a bearer token, the permission it needs) from a route's dependency tree."""
    for dep in dependant.dependencies:
        permission = getattr(dep.call, "kaeru_permission", None)
        if permission is not None:
            return True, permission
        if dep.call is current_principal:
            return True, None
        secured, permission = _auth_of(dep)
        if secured:
            return secured, permission
    return False, None


def _errors_of(route: Any, method: str, secured: bool) -> list[str]:
    """The error answers an operation's shape allows: derived from the route, not listed by hand.

    Every request can be malformed (422); a token can be missing or lack a right (401, 403); an
    operation that names anything (in its path, query or body: an id, a warehouse, a SKU) can find
    it missing (404); a change can meet a state that forbids it (409); a body can be too large (413).
    Other answers an operation gives are declared on its route (`responses=`) and kept.
    """
    codes = {"422"}
    if secured:
        codes |= {"401", "403"}
    dependant = route.dependant
    if "{" in route.path_format or _names_anything(dependant):
        codes.add("404")
    if method in MUTATING:
        codes.add("409")
    if route.body_field is not None:
        codes.add("413")
    return sorted(codes)


def _names_anything(dependant: Dependant) -> bool:
    if dependant.path_params or dependant.query_params or dependant.body_params:
        return True
    return any(_names_anything(dep) for dep in dependant.dependencies)


ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
KEY_HEADER = "idempotency-key"
IDEMPOTENCY_RULE = (
    "A string the client chooses once per change (a UUID, say) and sends again only when it retries that "
    "change: a replay with the same body answers the first answer again, without doing the change twice; "
    "the same key with a different body is refused (422: keys are never reused for another change); a "
    "key whose first request is still running answers 409. Keys are scoped to the caller."
)
# Changes from a returns station and scans are only taken with a key: a station retries them after a
# lost answer, and a second parcel, unit or grade must never come of it. The server refuses these
# operations without one (422); tests/integration/api/test_schemathesis.py checks that the list is true.
KEY_REQUIRED = frozenset(
    {
        ("post", "/api/v1/scans"),
        ("post", "/api/v1/returns/parcels"),
        ("post", "/api/v1/returns/parcels/{parcel_id}/units"),
        ("post", "/api/v1/returns/parcels/{parcel_id}/close"),
        ("post", "/api/v1/returns/units/{unit_id}/grade"),
        ("post", "/api/v1/returns/units/{unit_id}/put-away"),
    }
)


def describe(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, built once and kept on the app (FastAPI's own caching)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    _add_components(schema.setdefault("components", {}))
    # Included routers are walked as FastAPI walks them for the document (a route with its prefix).
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        secured, permission = _auth_of(route.dependant)
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _describe_operation(operation, _errors_of(route, method, secured), secured, permission)
                _describe_key(operation, (method.lower(), route.path_format) in KEY_REQUIRED)
    _fold_bounds(schema)
    app.openapi_schema = schema
    return schema


_BOUNDS = ("gt", "ge", "lt", "le")


def _keys_as_names(node: dict[str, Any]) -> None:
    """A mapping whose keys have a pattern (`dict[Sku, Quantity]`) comes out as `patternProperties`,
    which in JSON Schema leaves keys that do not match unconstrained; the server refuses them. Say it
    as the server checks it: every key matches (`propertyNames`), and every value is of the one kind."""
    patterns = node.get("patternProperties")
    if not isinstance(patterns, dict) or len(patterns) != 1 or "additionalProperties" in node:
        return
    [(pattern, values)] = patterns.items()
    node.pop("patternProperties")
    node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
    node["additionalProperties"] = values


def _fold_bounds(node: Any) -> None:
    """Bounds pydantic could not merge into a number's schema (a type that narrows a shared one, such as
    `Annotated[Quantity, Field(le=1000)]`) come out as its own keywords (`le`), which no client reads:
    fold each into JSON Schema's minimum and maximum, the tighter bound winning, as the server checks."""
    if isinstance(node, list):
        for child in node:
            _fold_bounds(child)
        return
    if not isinstance(node, dict):
        return
    _keys_as_names(node)
    if node.get("type") in ("integer", "number") and any(k in node for k in _BOUNDS):
        step = 1 if node["type"] == "integer" else 0
        lows = [node.pop("ge", None), node.get("minimum")]
        highs = [node.pop("le", None), node.get("maximum")]
        if "gt" in node:
            lows.append(node.pop("gt") + step)
        if "lt" in node:
            highs.append(node.pop("lt") - step)
        low = max((v for v in lows if isinstance(v, int | float)), default=None)
        high = min((v for v in highs if isinstance(v, int | float)), default=None)
        if low is not None:
            node["minimum"] = low
        if high is not None:
            node["maximum"] = high
    for child in node.values():
        _fold_bounds(child)


def _add_components(components: dict[str, Any]) -> None:
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff sign-in token (POST /api/v1/auth/login), a device token "
        "(`kaeru token issue --device ...`) or an integrator's token.",
    }
    schemas = components.setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for stale in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body, which Kaeru never sends
        schemas.pop(stale, None)


def _describe_operation(
    operation: dict[str, Any], errors: list[str], secured: bool, permission: str | None
) -> None:
    # The token travels in the Authorization header the scheme describes, not as a parameter
    # (Swagger UI ignores such a parameter; generated clients would ask for it twice).
    parameters = [p for p in operation.get("parameters", []) if p.get("name", "").lower() != "authorization"]
    operation.pop("parameters", None)
    if parameters:
        operation["parameters"] = parameters
    if secured:
        operation["security"] = [{BEARER: []}]
    if permission:
        needs = f"Needs the permission `{permission}`."
        operation["description"] = f"{operation.get('description', '')}\n\n{needs}".strip()
    responses = operation.setdefault("responses", {})
    declared = [code for code in responses if code.startswith("4") and "content" not in responses[code]]
    for code in sorted({*errors, *declared}):
        answer = responses.setdefault(code, {})
        own = answer.get("content", {}).get("application/json", {}).get("schema")
        if own is None or own == ERROR_REF["application/json"]["schema"]:
            answer["content"] = ERROR_REF
        else:  # the route's own refusal body (a recorded scan's answer), or the one error body
            answer["content"] = {
                "application/json": {"schema": {"anyOf": [own, ERROR_REF["application/json"]["schema"]]}}
            }
        if answer.get("description") in ("Validation Error", None):
            answer["description"] = ERROR_MEANING.get(code, "")


def _describe_key(operation: dict[str, Any], required: bool) -> None:
    """The Idempotency-Key header with its rule, and whether the operation takes no change without it."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == KEY_HEADER:
            parameter["description"] = IDEMPOTENCY_RULE + (" Required here." if required else "")
            parameter["required"] = required
            schema = parameter.setdefault("schema", {})
            schema.pop("anyOf", None)
            schema.update({"type": "string", "pattern": f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"})


def install(app: FastAPI) -> None:
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
