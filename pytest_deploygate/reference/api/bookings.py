"""Bookings: create (guest or customer), list own, read and cancel as owner or admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import CatalogueDep, DatabaseDep, OptionalPrincipal, SettingsDep, UserDep
from ..scheduling import (
    BookingRequest,
    CustomerDetails,
    cancel_booking,
    check_access,
    create_booking,
    get_booking,
    list_bookings,
    public,
)
from .models import BookingIn

router = APIRouter(tags=["bookings"])


@router.post("/bookings", status_code=201)
async def create(
    body: BookingIn,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: OptionalPrincipal,
) -> JSONResponse:
    """Book a slot: 201 with a BK reference, 409 when the slot is taken, 422 when invalid."""
    details = body.customer_details
    request = BookingRequest(
        service_id=body.service_id,
        scheduled_date=body.scheduled_date,
        scheduled_time=body.scheduled_time,
        notes=body.notes,
        employee_id=body.employee_id,
        customer=CustomerDetails(name=details.name, email=details.email, phone=details.phone),
    )
    booking = await database.writing(
        create_booking, database, catalogue, settings, request, principal
    )
    return JSONResponse(
        public(booking), status_code=201, headers={"Location": f"/api/bookings/{booking['id']}"}
    )


@router.get("/bookings")
def mine(database: DatabaseDep, principal: UserDep) -> list[dict[str, Any]]:
    """The caller's bookings (all bookings for an admin)."""
    return list_bookings(database, principal)


@router.get("/bookings/{booking_id}")
def read(
    booking_id: str, database: DatabaseDep, settings: SettingsDep, principal: UserDep
) -> dict[str, Any]:
    booking = get_booking(database, booking_id, settings)
    check_access(booking, principal, settings)
    return public(booking)


@router.post("/bookings/{booking_id}/cancel")
def cancel(
    booking_id: str, database: DatabaseDep, settings: SettingsDep, principal: UserDep
) -> dict[str, Any]:
    check_access(get_booking(database, booking_id, settings), principal, settings)
    return public(cancel_booking(database, booking_id))
