"""Property-based conformance: schemathesis generates requests from /openapi.json (valid and
invalid ones) against the live server and checks every response: no 5xx, documented status codes
and content types, bodies that match the response schemas.

Driven through schemathesis' Python API with Hypothesis directly: its pytest plugin does not yet
support pytest 9."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from support.api import ADMIN, Api

from aptichat_api import metrics

MAX_EXAMPLES = 15


def _operations(api: Api) -> list[Any]:
    loaded = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    return [result.ok() for result in loaded.get_all_operations()]


def _check_operation(operation: Any, headers: dict[str, str], mode: schemathesis.GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=60)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
        case.validate_response(response)

    try:
        check()
    except Unsatisfiable:
        # Nothing to make invalid (e.g. GET /healthz has no inputs) in negative mode.
        assert mode == schemathesis.GenerationMode.NEGATIVE, operation.path


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi(api: Api, mode: schemathesis.GenerationMode) -> None:
    before = metrics.UNHANDLED_ERRORS.value()
    operations = _operations(api)
    assert len(operations) >= 15
    for operation in operations:
        # The webhook takes the service key; everything else is called as an admin, who reaches
        # every route (unknown people are then 404 user_not_found, which is documented).
        headers = api.service if operation.path.startswith("/events") else api.headers(ADMIN, role="admin")
        _check_operation(operation, headers, mode)
    assert metrics.UNHANDLED_ERRORS.value() == before
