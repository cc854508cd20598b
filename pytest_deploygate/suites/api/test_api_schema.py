"""Schema conformance against the platform's own OpenAPI document (schemathesis, bounded).

Each operation gets `[platform.api] schema_examples` generated requests, valid and invalid
alike, derandomised and without shrinking so the request count stays bounded. The checks:
no 5xx, and responses whose status the document describes match its schema. Content types are
not checked: FastAPI documents `application/json` even where a route serves a `+json` type.
Reads run everywhere; writes create data and are destructive.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("api")

import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from pytest_deploygate import record_http
from pytest_deploygate.config import Platform
from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.suites.api.bookings import BookingFactory
from pytest_deploygate.suites.api.evidence import shown

pytestmark = pytest.mark.feature("openapi")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def openapi_schema(api: httpx.Client, booking_api: ApiContract) -> Any:
    response = api.get(booking_api.openapi)
    if response.status_code == 404:
        pytest.skip(f"the platform publishes no OpenAPI document at {booking_api.openapi}")
    assert response.status_code == 200, f"GET {booking_api.openapi} answered {shown(response)}"
    return schemathesis.openapi.from_dict(response.json())


def conformance_failures(
    schema: Any,
    base_url: str,
    examples: int,
    safe: bool,
    on_response: Any = None,
    ca_bundle: str | None = None,
) -> list[str]:
    # Schemathesis sends with requests, which takes a CA file, not an SSLContext; it only
    # talks to the platform, so its [platform] ca_bundle alone is enough.
    transport: dict[str, Any] = {"verify": ca_bundle} if ca_bundle else {}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper() in SAFE_METHODS) != safe:
            continue
        cases = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: a bounded request count
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def exercise(case: Any) -> None:
            started = time.perf_counter()
            response = case.call(base_url=base_url, timeout=10, **transport)
            # Schemathesis sends its own requests: record them as the instrumented client would,
            # so the operations it exercised count for api.endpoint_coverage and http.*.
            ms = (time.perf_counter() - started) * 1000
            record_http(case.method.upper(), case.formatted_path, response.status_code, ms)
            if on_response is not None:
                on_response(case, response)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            exercise()
        # schemathesis raises a FailureGroup (a BaseExceptionGroup) holding a curl line.
        except (Exception, BaseExceptionGroup) as exc:
            text = str(exc).strip()
            failures.append(f"{operation.label}: {text[:900]}")
    return failures


def test_read_operations_conform_to_the_openapi_document(
    api: httpx.Client, booking_api: ApiContract, platform: Platform
) -> None:
    schema = openapi_schema(api, booking_api)
    failures = conformance_failures(
        schema,
        str(api.base_url),
        booking_api.schema_examples,
        safe=True,
        ca_bundle=platform.ca_bundle,
    )
    assert not failures, "\n\n".join(failures)


@pytest.mark.destructive  # generated writes can create bookings (cancelled at teardown)
def test_write_operations_conform_to_the_openapi_document(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory, platform: Platform
) -> None:
    schema = openapi_schema(api, booking_api)
    base_url = str(api.base_url)

    def keep_bookings(case: Any, response: Any) -> None:
        created = response.status_code == 201
        if created and case.operation.path == booking_api.create_booking.path:
            bookings.adopt(response.json(), base_url)

    failures = conformance_failures(
        schema,
        base_url,
        booking_api.schema_examples,
        safe=False,
        on_response=keep_bookings,
        ca_bundle=platform.ca_bundle,
    )
    assert not failures, "\n\n".join(failures)
