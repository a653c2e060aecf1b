"""Every operation of the OpenAPI document, driven by schemathesis with staff, device and integrator
tokens on each database: no answer is a 5xx, every status is documented, every body matches its
schema. Valid and invalid requests are generated from the document itself (a bounded, derandomized
number per operation so that a run is stable and takes a few minutes at most)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.floor import Floor
from wms.context import Kaeru

EXAMPLES = 10  # per operation, credential and mode (valid / invalid data)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Valid data as each kind of caller; invalid data as staff and as a device (an integrator's token
# reaches the same validation as staff's, and the run stays within a few minutes per database).
RUNS = [
    *((who, GenerationMode.POSITIVE) for who in ("admin", "device", "integrator")),
    *((who, GenerationMode.NEGATIVE) for who in ("admin", "device")),
]


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    f.tokens["device"] = f.device_token("RET-1-AGENT")
    f.item("TEE", gtin="09506000134352")
    f.receive("TEE", 5)
    yield f
    f.close()


def _send(floor: Floor, kwargs: dict[str, Any]) -> Any:
    """The request schemathesis built for the `requests` library, sent through the app's test client."""
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body["content"] = data.encode() if isinstance(data, str) else data
    path = kwargs["url"].removeprefix("http://testserver")
    return floor.client.request(
        kwargs["method"], path, params=kwargs.get("params"), headers=kwargs.get("headers"), **body
    )


def _exercise(floor: Floor, operation: Any, who: str, mode: GenerationMode, failures: dict[str, str]) -> int:
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        kwargs = case.as_transport_kwargs(
            base_url="http://testserver", headers={"Authorization": f"Bearer {floor.tokens[who]}"}
        )
        response = _send(floor, kwargs)
        if response.status_code == 503 and "503" in operation.definition.raw.get("responses", {}):
            return  # a documented "not ready / not set up" answer (readiness, unconfigured webhooks)
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to make invalid (an operation without parameters)
    except (
        Exception,
        FailureGroup,
    ) as error:  # the first failure of each run is gathered, all reported at the end
        failures[f"{operation.label} as {who} ({mode.value})"] = str(error)[:2500]
    return calls


def test_every_operation_answers_as_documented(floor: Floor) -> None:
    schema = schemathesis.openapi.from_dict(floor.app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    started, calls = time.monotonic(), 0
    for operation in operations:
        for who, mode in RUNS:
            calls += _exercise(floor, operation, who, mode, failures)
    elapsed = time.monotonic() - started
    print(f"{len(operations)} operations, {calls} requests, {len(failures)} failures, {elapsed:.0f} s")
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in sorted(failures.items()))
