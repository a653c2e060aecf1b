"""The OpenAPI document is what generated clients and the /docs page work from: it must be complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kaeru_config.settings import Settings
from wms.app import create_app


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = Path(tmp_path_factory.mktemp("openapi")) / "doc.db"
    return create_app(Settings(database_url=f"sqlite:///{db}")).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]


def _shaped(schema: dict[str, Any]) -> bool:
    """A body schema that says something: a named model, a list of something, or typed properties."""
    if not schema:
        return False
    if "$ref" in schema or schema.get("properties") or schema.get("format") == "binary":
        return True
    if schema.get("type") == "array":
        return _shaped(schema.get("items", {}))
    if schema.get("type") in ("string", "integer", "number", "boolean"):
        return True
    if "anyOf" in schema or "oneOf" in schema:
        return all(
            _shaped(s) or s.get("type") == "null" for s in schema.get("anyOf", schema.get("oneOf", []))
        )
    additional = schema.get("additionalProperties")
    return isinstance(additional, dict) and _shaped(additional)


def undescribed_successes(document: dict[str, Any]) -> list[str]:
    """Operations whose 2xx answer has no schema describing its shape."""
    missing = []
    for path, method, op in operations(document):
        successes = {code: r for code, r in op["responses"].items() if code.startswith("2") or code == "3XX"}
        described = any(
            code == "204" or any(_shaped(body.get("schema", {})) for body in r.get("content", {}).values())
            for code, r in successes.items()
        )
        if not described:
            missing.append(f"{method.upper()} {path}")
    return missing


def test_the_document_declares_the_bearer_scheme_and_every_staff_operation_uses_it(document):
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    secured = [f"{m} {p}" for p, m, op in operations(document) if op.get("security") == [{"bearer": []}]]
    assert "get /api/v1/me" in secured
    assert "post /api/v1/scans" in secured
    # the token goes in the scheme's header, never as a parameter of its own
    assert not [
        p
        for _, _, op in operations(document)
        for p in op.get("parameters", [])
        if p["name"].lower() == "authorization"
    ]


def test_every_secured_operation_documents_401_and_403_in_the_one_error_body(document):
    for path, method, op in operations(document):
        if not op.get("security"):
            continue
        for code in ("401", "403"):
            body = op["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path} {code}"


def test_operations_on_an_object_document_404_and_changes_document_409(document):
    for path, method, op in operations(document):
        if "{" in path:
            assert "404" in op["responses"], f"{method} {path}"
        if method in ("post", "put", "patch", "delete"):
            assert "409" in op["responses"], f"{method} {path}"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_describes_the_shape_of_its_success(document):
    assert undescribed_successes(document) == []


@pytest.mark.parametrize(
    ("schema", "field", "values"),
    [
        ("ReturnLineIn", "reason", "wms.returns.rules:REASONS"),
        ("ReturnLineIn", "outcome", "wms.returns.rules:OUTCOMES"),
        ("ReleaseIn", "mode", "wms.fulfilment.model:PickMode"),
        ("TrackingIn", "kind", "wms.fulfilment.model:TRACKING_KINDS"),
        ("UserIn", "role", "wms.identity.model:ROLES"),
        ("AssignmentIn", "mode", "wms.scanning.assignment:MODES"),
        ("ClaimIn", "kind", "wms.shopper.model:CLAIM_KINDS"),
    ],
)
def test_a_field_taken_from_a_fixed_set_documents_the_set(
    document: dict[str, Any], schema: str, field: str, values: str
) -> None:
    """Clients (and the fuzzer) send what the server accepts: the set comes from the rule itself."""
    import importlib

    module, name = values.split(":")
    accepted = sorted(str(v) for v in getattr(importlib.import_module(module), name))
    assert document["components"]["schemas"][schema]["properties"][field]["enum"] == accepted


def test_text_fields_document_that_control_characters_are_refused(document: dict[str, Any]) -> None:
    import re

    reason = document["components"]["schemas"]["ReturnLineIn"]["properties"]["reason"]
    pattern = re.compile(reason["pattern"])
    assert pattern.fullmatch("size_too_small")
    assert not pattern.fullmatch("size\x00")
    assert not pattern.fullmatch("size\u0085")
