"""Injection: SQL, NoSQL operators, path traversal, template and XSS payloads into every
parameter the suites know (login, the chat, path parameters, every JSON field of the booking and
payment bodies), judged by what gives a success away (injection.py), not by refusal alone.

The seed's "SQL Injection: 100 %": every known parameter gets every payload family.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import dataclasses
import datetime as dt
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import ApiContract, SecurityContract
from pytest_deploygate.suites.api.bookings import BookingFactory
from pytest_deploygate.suites.security.injection import (
    PAYLOADS,
    Target,
    json_targets,
    path_target,
    placeholders,
    probe,
)


def report(findings: list[str], targets: list[Target]) -> str:
    tried = f"{len(targets)} parameters x {len(PAYLOADS)} payloads"
    head = f"{len(findings)} injection(s) succeeded ({tried}):"
    return "\n".join([head, *findings])


def test_injection_into_login_chat_and_availability(
    api: httpx.Client,
    platform: Any,
    security: SecurityContract,
    booking_api: ApiContract,
    bookings: BookingFactory,
) -> None:
    login = platform.endpoint("login")
    auth = platform.auth
    credentials = {
        auth.username_field: "deploygate-probe@example.com",
        auth.password_field: "deploygate-not-it-1",
    }
    if auth.mode == "form":  # the login form's CSRF token, or every probe stops at a 403
        api.get(auth.login_page)
    chat = json_targets(api, security.chat.method, security.chat.url(), {security.chat_field: "hi"})
    day = (dt.date.today() + dt.timedelta(days=booking_api.booking_days_ahead)).isoformat()
    valid = {"service_id": bookings.service_ids(api)[0], "date": day}
    availability = booking_api.availability
    targets = [
        *json_targets(api, "POST", login, credentials),
        # The chat widget displays the reply: markup coming back there is rendered.
        *(dataclasses.replace(target, renders=True) for target in chat),
        *(
            path_target(api, availability.method, availability.path, name, valid)
            for name in placeholders(availability.path)
            if name in valid
        ),
    ]
    findings = probe(targets)
    assert not findings, report(findings, targets)


def test_injection_into_a_booking_lookup(
    customer_api: httpx.Client, booking_api: ApiContract
) -> None:
    lookup = booking_api.get_booking
    targets = [
        path_target(customer_api, lookup.method, lookup.path, name, {name: "1"})
        for name in placeholders(lookup.path)
    ]
    findings = probe(targets)
    assert not findings, report(findings, targets)


@pytest.mark.destructive  # a platform that accepts a payload creates (and we cancel) a booking
def test_injection_into_booking_and_payment_fields(
    api: httpx.Client,
    customer_api: httpx.Client,
    platform: Any,
    booking_api: ApiContract,
    bookings: BookingFactory,
) -> None:
    slot = bookings.free_slot(api)
    create = booking_api.create_booking
    booking_fields = json_targets(
        api,
        create.method,
        create.url(),
        bookings.payload(slot),
        seen=lambda response, sent: bookings.remember(api, response, slot, sent),
    )
    booking = bookings.create(customer_api)
    # The decline card: a payment that gets through anyway charges nothing.
    payment = {
        "bookingId": booking.id,
        "cardNumber": platform.card("decline"),
        "expiry": "12/34",
        "cvc": "123",
    }
    payment_fields = json_targets(
        customer_api, booking_api.pay.method, booking_api.pay.url(), payment
    )
    targets = [*booking_fields, *payment_fields]
    findings = probe(targets)
    assert not findings, report(findings, targets)
