"""Input validation: hostile, oversized and malformed input is a 4xx JSON error, never a 5xx.

OWASP API4 (resource consumption: body size), API8 (misconfiguration: leaked stack traces) and
ASVS V5 (validation, sanitisation and encoding), beyond the seed's three chat payloads.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import httpx
import pytest

from pytest_deploygate.config.contract import SecurityContract
from pytest_deploygate.suites.api.bookings import BookingFactory
from pytest_deploygate.suites.api.evidence import error_problems, shown, stack_trace


def rejected(response: httpx.Response, what: str, expected: tuple[int, ...]) -> list[str]:
    """Problems with how ``response`` refused ``what`` (empty when it refused it cleanly)."""
    status = response.status_code
    if status >= 500:
        trace = stack_trace(response)
        leak = f"; the body leaks a stack trace ({trace!r})" if trace else ""
        return [
            f"{what} crashed the server ({status}), expected {'/'.join(map(str, expected))}"
            f"{leak}: {shown(response)}"
        ]
    if status not in expected:
        verb = "accepted" if status < 400 else "answered"
        return [
            f"{what} was {verb} ({status}), expected {'/'.join(map(str, expected))}: "
            f"{shown(response)}"
        ]
    return [f"{what} was refused ({status}) but {p}" for p in error_problems(response)]


@pytest.mark.feature("chat")
def test_chat_refuses_the_seeds_malicious_payloads(
    api: httpx.Client, security: SecurityContract
) -> None:
    failures = []
    for payload in security.malicious_inputs:
        response = api.post(security.chat.url(), json={security.chat_field: payload})
        failures += rejected(response, f"{security.chat} with {payload!r}", (400, 422))
    assert not failures, "\n".join(failures)


@pytest.mark.destructive  # a platform that fails this check creates the booking
def test_booking_refuses_malicious_customer_details(
    api: httpx.Client, bookings: BookingFactory, security: SecurityContract
) -> None:
    slot = bookings.free_slot(api)
    endpoint = bookings.contract.create_booking
    failures = []
    for payload in security.malicious_inputs[:1]:  # markup: the payload a booking page renders
        body = bookings.payload(slot)
        body["customerDetails"]["name"] = payload
        response = api.post(endpoint.url(), json=body)
        bookings.remember(api, response, slot, body)
        failures += rejected(response, f"{endpoint} with customer name {payload!r}", (400, 422))
    assert not failures, "\n".join(failures)


def test_oversized_bodies_are_refused(api: httpx.Client, security: SecurityContract) -> None:
    size = security.max_body_bytes + 1024
    failures = []
    for endpoint in security.public_writes:
        body = {security.chat_field: "a" * size}
        response = api.post(endpoint.url(), json=body)
        failures += rejected(response, f"{endpoint} with a {size}-byte body", (400, 413, 422))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "raw", ['{"message": "unterminated', "{'single': 'quotes'}", "[1, 2,", "\xff\xfe not utf-8"]
)
def test_malformed_json_is_a_4xx_json_error(
    raw: str, api: httpx.Client, security: SecurityContract
) -> None:
    failures = []
    for endpoint in security.public_writes:
        response = api.post(
            endpoint.url(),
            content=raw.encode("latin-1"),
            headers={"Content-Type": "application/json"},
        )
        failures += rejected(response, f"{endpoint} with malformed JSON {raw!r}", (400, 422))
    assert not failures, "\n".join(failures)


def test_wrong_types_are_a_4xx_json_error(api: httpx.Client, security: SecurityContract) -> None:
    failures = []
    for endpoint in security.public_writes:
        wrong: list[object] = [[], "text", 42, {security.chat_field: {"nested": ["object"]}}]
        for body in wrong:
            response = api.post(endpoint.url(), json=body)
            failures += rejected(response, f"{endpoint} with JSON {body!r}", (400, 422))
    assert not failures, "\n".join(failures)
