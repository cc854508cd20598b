"""Payments through the API: the seed's test cards, card validation and Idempotency-Key.

The e2e suite pays through the page; this exercises the payment operation itself, so a run
covers every API operation (the seed's "API Endpoints: 100 %"). Destructive: it pays bookings.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("api")

import uuid
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.suites.api.bookings import Booking, BookingFactory
from pytest_deploygate.suites.api.evidence import error_problems, json_body, shown

pytestmark = [pytest.mark.destructive, pytest.mark.feature("payments")]


def pay(
    client: httpx.Client, contract: ApiContract, booking: Booking, number: str, **headers: str
) -> httpx.Response:
    payment = {"bookingId": booking.id, "cardNumber": number, "expiry": "12/34", "cvc": "123"}
    return client.post(contract.pay.url(), json=payment, headers=headers)


def test_the_success_card_pays_once_per_idempotency_key(
    customer_api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory, platform: Any
) -> None:
    booking = bookings.create(customer_api)
    key = {"Idempotency-Key": f"deploygate-{uuid.uuid4()}"}
    number = platform.card("success")
    first = pay(customer_api, booking_api, booking, number, **key)
    assert first.status_code in (200, 201), (
        f"{booking_api.pay} with the success card {number} for {booking.reference} answered "
        f"{shown(first)}, expected 201"
    )
    again = pay(customer_api, booking_api, booking, number, **key)
    assert json_body(again) == json_body(first), (
        f"{booking_api.pay} repeated with the same Idempotency-Key answered {shown(again)}, "
        f"first {shown(first)}: a retried request must not charge twice"
    )


def test_the_decline_card_is_declined_with_a_json_error(
    customer_api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory, platform: Any
) -> None:
    booking = bookings.create(customer_api)
    number = platform.card("decline")
    response = pay(customer_api, booking_api, booking, number)
    assert response.status_code == 402, (
        f"{booking_api.pay} with the decline card {number} answered {shown(response)}, "
        "expected 402 (declined)"
    )
    assert not error_problems(response), "; ".join(error_problems(response))


def test_a_card_number_failing_the_luhn_check_is_rejected(
    customer_api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    booking = bookings.create(customer_api)
    response = pay(customer_api, booking_api, booking, "4242424242424241")
    assert response.status_code in (400, 422), (
        f"{booking_api.pay} accepted card 4242424242424241 (fails the Luhn check): "
        f"{shown(response)}, expected 400/422"
    )
