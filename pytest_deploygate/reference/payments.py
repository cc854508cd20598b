"""Test-mode card payments: Luhn and expiry checks, test cards, Idempotency-Key replay."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from .db import Database, bookings, equals, now, payments, services
from .errors import ApiError
from .settings import Settings

DECLINED_CARDS = {"4000000000000002"}
DECLINE_MESSAGE = "Your card was declined."


@dataclass(frozen=True)
class PaymentRequest:
    booking_id: str | None
    booking_reference: str | None
    card_number: str
    expiry: str
    cvc: str
    amount: float | None = None


@dataclass(frozen=True)
class PaymentResult:
    status_code: int
    body: dict[str, Any]


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _validate_card(request: PaymentRequest, today: date) -> str:
    number = re.sub(r"[ -]", "", request.card_number or "")
    if not re.fullmatch(r"\d{12,19}", number):
        raise ApiError(422, "cardNumber: give 12 to 19 digits")
    if not luhn_ok(number):
        raise ApiError(422, "cardNumber: not a valid card number (Luhn check failed)")
    match = re.fullmatch(r"(0[1-9]|1[0-2])\s*/\s*(\d{2})", (request.expiry or "").strip())
    if not match:
        raise ApiError(422, "expiry: use MM/YY")
    month, year = int(match.group(1)), 2000 + int(match.group(2))
    if (year, month) < (today.year, today.month):
        raise ApiError(422, "expiry: the card has expired")
    if not re.fullmatch(r"\d{3,4}", (request.cvc or "").strip()):
        raise ApiError(422, "cvc: give the 3 or 4 digits on the back of the card")
    return number


def _fingerprint(request: PaymentRequest, number: str) -> str:
    text = f"{request.booking_id}|{request.booking_reference}|{number}|{request.amount}"
    return hashlib.sha256(text.encode()).hexdigest()


def pay(
    database: Database, settings: Settings, request: PaymentRequest, idempotency_key: str | None
) -> PaymentResult:
    """Charge a booking in test mode; a repeated Idempotency-Key replays the first answer."""
    if not (request.booking_id or request.booking_reference):
        raise ApiError(422, "give bookingId or bookingReference")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise ApiError(400, "Idempotency-Key must be 1 to 255 characters")
    number = _validate_card(request, date.today())
    fingerprint = _fingerprint(request, number)
    if idempotency_key:
        replay = _replay(database, idempotency_key, fingerprint)
        if replay:
            return replay
    try:
        return _charge(database, settings, request, number, fingerprint, idempotency_key)
    except sa.exc.IntegrityError:
        # Another request with the same key won the race; answer what it answered.
        replay = _replay(database, idempotency_key or "", fingerprint)
        if replay:
            return replay
        raise


def _replay(database: Database, key: str, fingerprint: str) -> PaymentResult | None:
    with database.read() as conn:
        row = conn.execute(
            sa.select(
                payments.c.request_fingerprint, payments.c.response_status, payments.c.response_body
            ).where(payments.c.idempotency_key == key)
        ).first()
    if row is None:
        return None
    if row.request_fingerprint != fingerprint:
        raise ApiError(422, "Idempotency-Key was already used for a different payment request")
    return PaymentResult(row.response_status, dict(row.response_body))


def _charge(
    database: Database,
    settings: Settings,
    request: PaymentRequest,
    number: str,
    fingerprint: str,
    idempotency_key: str | None,
) -> PaymentResult:
    with database.write() as conn:
        where = (
            equals(bookings.c.id, request.booking_id, settings)
            if request.booking_id
            else equals(bookings.c.reference, request.booking_reference or "", settings)
        )
        booking = conn.execute(
            sa.select(
                bookings.c.id,
                bookings.c.reference,
                bookings.c.status,
                bookings.c.payment_status,
                services.c.price_cents,
                services.c.currency,
            )
            .join(services, services.c.id == bookings.c.service_id)
            .where(where)
        ).first()
        if booking is None:
            raise ApiError(404, "booking not found")
        if booking.status == "cancelled":
            raise ApiError(409, "booking is cancelled")
        if booking.payment_status == "paid":
            raise ApiError(409, "booking is already paid")
        if request.amount is not None and round(request.amount * 100) != booking.price_cents:
            raise ApiError(422, f"amount: this booking costs {booking.price_cents / 100:.2f}")
        payment_id = str(uuid.uuid4())
        decline_card = number in DECLINED_CARDS and not settings.has("payment-never-declines")
        declined = decline_card or settings.has("payment-always-declines")
        if declined:
            status_code = 402
            body: dict[str, Any] = {
                "error": DECLINE_MESSAGE,
                "status": "declined",
                "paymentId": payment_id,
            }
        else:
            status_code = 201
            body = {
                "paymentId": payment_id,
                "status": "succeeded",
                "bookingId": booking.id,
                "bookingReference": booking.reference,
                "amount": booking.price_cents / 100,
                "currency": booking.currency,
                "cardLast4": number[-4:],
            }
            paid = conn.execute(
                bookings.update()
                .where(bookings.c.id == booking.id, bookings.c.payment_status == "unpaid")
                .values(payment_status="paid")
            )
            if paid.rowcount != 1:
                raise ApiError(409, "booking is already paid")
        conn.execute(
            payments.insert().values(
                id=payment_id,
                booking_id=booking.id,
                amount_cents=booking.price_cents,
                currency=booking.currency,
                status=body["status"],
                card_last4=number[-4:],
                idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
                response_status=status_code,
                response_body=body,
                created_at=now(),
            )
        )
    return PaymentResult(status_code, body)
