"""POST /api/payments: test-mode card payments, idempotent by Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from ..deps import DatabaseDep, SettingsDep
from ..payments import PaymentRequest, pay
from .models import PaymentIn

router = APIRouter(tags=["payments"])


@router.post("/payments", status_code=201)
def create_payment(
    body: PaymentIn,
    database: DatabaseDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """4242 4242 4242 4242 succeeds (201), 4000 0000 0000 0002 is declined (402)."""
    request = PaymentRequest(
        booking_id=body.booking_id,
        booking_reference=body.booking_reference,
        card_number=body.card_number,
        expiry=body.expiry,
        cvc=body.cvc,
        amount=body.amount,
    )
    result = pay(database, settings, request, idempotency_key)
    return JSONResponse(result.body, status_code=result.status_code)
