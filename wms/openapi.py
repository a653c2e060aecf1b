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
    app.openapi_schema = schema
    return schema


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


def install(app: FastAPI) -> None:
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
