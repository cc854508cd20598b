"""Object-level authorisation between two customers (OWASP API1:2023, BOLA)."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.suites.api.bookings import Booking, BookingFactory
from pytest_deploygate.suites.api.evidence import json_body, refused_or_hidden, shown

# Customer A books a slot to have something to steal; customer B is credentials.customer2.
pytestmark = [pytest.mark.destructive, pytest.mark.requires("customer2")]


@pytest.fixture
def a_booking(bookings: BookingFactory, customer_api: httpx.Client) -> Booking:
    return bookings.create(customer_api)


def test_customer_cannot_read_another_customers_booking(
    a_booking: Booking, other_customer_api: httpx.Client, booking_api: ApiContract
) -> None:
    url = booking_api.get_booking.url(booking_id=a_booking.id)
    response = other_customer_api.get(url)
    assert response.status_code in (403, 404), (
        f"customer B read customer A's booking {a_booking.reference} via GET {url} "
        f"({response.status_code}), expected 403/404: {shown(response)}"
    )


def test_customer_list_holds_only_their_own_bookings(
    a_booking: Booking, other_customer_api: httpx.Client, booking_api: ApiContract
) -> None:
    response = other_customer_api.get(booking_api.list_bookings.url())
    assert response.status_code == 200, f"{booking_api.list_bookings} answered {shown(response)}"
    body = json_body(response)
    items = body.get("bookings", []) if isinstance(body, dict) else body or []
    leaked = [item for item in items if isinstance(item, dict) and item.get("id") == a_booking.id]
    assert not leaked, (
        f"customer B's {booking_api.list_bookings} lists customer A's booking {a_booking.reference}"
    )


def test_customer_cannot_cancel_another_customers_booking(
    a_booking: Booking,
    other_customer_api: httpx.Client,
    customer_api: httpx.Client,
    booking_api: ApiContract,
) -> None:
    url = booking_api.cancel_booking.url(booking_id=a_booking.id)
    response = other_customer_api.post(url)
    assert response.status_code in (403, 404), (
        f"customer B cancelled customer A's booking {a_booking.reference} via POST {url} "
        f"({response.status_code}), expected 403/404: {shown(response)}"
    )
    after = customer_api.get(booking_api.get_booking.url(booking_id=a_booking.id))
    # The owner's re-read must succeed: a failed read would hide a cancellation.
    assert after.status_code == 200, (
        f"customer A could not re-read their booking {a_booking.reference} after customer B's "
        f"cancel request: {booking_api.get_booking} answered {shown(after)}"
    )
    status = (json_body(after) or {}).get("status")
    assert status != "cancelled", (
        f"customer A's booking {a_booking.reference} is cancelled after customer B's refused "
        "cancel request"
    )


def test_anonymous_caller_cannot_read_a_booking(
    a_booking: Booking, api: httpx.Client, booking_api: ApiContract, platform: Any
) -> None:
    url = booking_api.get_booking.url(booking_id=a_booking.id)
    response = api.get(url)
    assert refused_or_hidden(response, platform), (
        f"an anonymous request read customer A's booking {a_booking.reference} via GET {url} "
        f"({response.status_code}), expected 401/404 or the platform's refusal: {shown(response)}"
    )
