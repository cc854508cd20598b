"""The booking lifecycle: create → read → cancel, availability, validation, the double-booking
race. Every check here books real slots, so all are destructive (cancelled at teardown)."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("api")

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.session.auth import shape
from pytest_deploygate.session.http import platform_tls
from pytest_deploygate.suites.api.bookings import BookingFactory, Slot
from pytest_deploygate.suites.api.evidence import (
    error_problems,
    json_body,
    refused_or_hidden,
    shown,
)

pytestmark = pytest.mark.destructive


def read(client: httpx.Client, contract: ApiContract, booking_id: str) -> dict[str, Any]:
    url = contract.get_booking.url(booking_id=booking_id)
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {shown(response)}, expected 200"
    body = json_body(response)
    assert isinstance(body, dict), f"GET {url} did not answer a JSON object: {shown(response)}"
    return body


def test_create_read_and_cancel_a_booking(
    customer_api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    booking = bookings.create(customer_api)
    assert booking.reference.startswith("BK"), (
        f"{booking_api.create_booking} returned reference {booking.reference!r}, expected BK…"
    )
    stored = read(customer_api, booking_api, booking.id)
    assert stored.get("reference") == booking.reference, (
        f"booking {booking.id} reads back with reference {stored.get('reference')!r}, "
        f"created as {booking.reference!r}"
    )
    url = booking_api.cancel_booking.url(booking_id=booking.id)
    response = customer_api.post(url)
    assert response.status_code == 200, f"POST {url} answered {shown(response)}, expected 200"
    status = read(customer_api, booking_api, booking.id).get("status")
    assert status == "cancelled", f"booking {booking.reference} is {status!r} after cancelling"


def test_a_guest_booking_is_not_readable_anonymously(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory, platform: Any
) -> None:
    booking = bookings.create(api)
    response = api.get(booking_api.get_booking.url(booking_id=booking.id))
    assert refused_or_hidden(response, platform), (
        f"an anonymous GET of guest booking {booking.reference} answered {shown(response)}, "
        "expected 401/404 or the platform's refusal (a booking id is not a password)"
    )


def test_a_booked_slot_leaves_availability_and_returns_when_cancelled(
    customer_api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    booking = bookings.create(customer_api)
    slot = booking.slot
    employee = read(customer_api, booking_api, booking.id).get("employeeId") or slot.employee_id

    def offered() -> bool:
        return any(
            s.time == slot.time and (employee is None or s.employee_id in (None, employee))
            for s in bookings.slots(customer_api, slot.service_id, slot.date)
        )

    assert not offered(), (
        f"slot {slot.service_id} {slot.date} {slot.time} is still offered by "
        f"{booking_api.availability} after booking {booking.reference}"
    )
    customer_api.post(booking_api.cancel_booking.url(booking_id=booking.id))
    assert offered(), (
        f"slot {slot.service_id} {slot.date} {slot.time} is not offered again after "
        f"cancelling booking {booking.reference}"
    )


def invalid_bodies(slot: Slot, payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    past = (dt.date.today() - dt.timedelta(days=7)).isoformat()

    def changed(**changes: Any) -> dict[str, Any]:
        details = {**payload["customerDetails"], **changes.pop("customerDetails", {})}
        return {**payload, **changes, "customerDetails": details}

    without_details = {k: v for k, v in payload.items() if k != "customerDetails"}
    return {
        "no customerDetails": without_details,
        "an impossible date": changed(scheduledDate="2025-13-45"),
        "a date in the past": changed(scheduledDate=past),
        "a time that does not exist": changed(scheduledTime="25:00"),
        "an unknown service": changed(serviceId="deploygate-no-such-service"),
        "an invalid e-mail": changed(customerDetails={"email": "not-an-email"}),
        "an empty name": changed(customerDetails={"name": ""}),
    }


def test_invalid_bookings_are_refused_with_a_json_error(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    slot = bookings.free_slot(api)
    failures = []
    for what, body in invalid_bodies(slot, bookings.payload(slot)).items():
        response = api.post(booking_api.create_booking.url(), json=body)
        bookings.remember(api, response, slot, body)
        if not 400 <= response.status_code < 500:
            failures.append(
                f"{booking_api.create_booking} with {what} answered {shown(response)}, "
                "expected 400/422"
            )
        elif problems := error_problems(response):
            failures.append(f"{booking_api.create_booking} with {what}: {'; '.join(problems)}")
    assert not failures, "\n".join(failures)


def test_concurrent_bookings_of_one_slot_yield_exactly_one_201(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory, platform: Any
) -> None:
    slot = bookings.free_slot(api)
    size = booking_api.race_size
    start = threading.Barrier(size)
    url = str(api.base_url).rstrip("/") + booking_api.create_booking.url()
    bodies = [bookings.payload(slot) for _ in range(size)]

    def attempt(body: dict[str, Any]) -> tuple[int, str]:
        # One connection each (a real race), shaped like the platform's requests.
        with shape(httpx.Client(timeout=30.0, verify=platform_tls(platform)), platform) as client:
            start.wait(timeout=30)
            response = client.post(url, json=body)
        bookings.remember(api, response, slot, body)
        return response.status_code, shown(response)

    with ThreadPoolExecutor(max_workers=size) as pool:
        results = list(pool.map(attempt, bodies))
    statuses = Counter(status for status, _ in results)
    summary = ", ".join(f"{count}×{status}" for status, count in sorted(statuses.items()))
    assert statuses[201] == 1, (
        f"{size} concurrent bookings of {slot.service_id} {slot.date} {slot.time} got "
        f"{summary}; expected exactly one 201 and 409 for the rest"
        + (" (double booking)" if statuses[201] > 1 else "")
    )
    others = [text for status, text in results if status not in (201, 409)]
    assert not others, f"the losers of the booking race got {others[:3]}, expected 409"
