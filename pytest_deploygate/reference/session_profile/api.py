"""The session profile's JSON under /api/v1/: the seed's domain under other paths, with form
bodies, trailing slashes, a staff role and ``?date=`` for availability."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..api import availability, bookings, catalog
from ..api.models import ServiceIn
from ..deps import CatalogueDep, DatabaseDep, SettingsDep
from ..errors import ApiError
from ..scheduling import (
    create_booking,
    public,
)
from .deps import FormDep, OptionalUser, StaffDep, UserDep, is_form
from .forms import booking_request

router = APIRouter(prefix="/api/v1", include_in_schema=False)


@router.get("/services/")
def services(database: DatabaseDep) -> list[dict[str, Any]]:
    return catalog.list_services(database)


@router.post("/services/", status_code=201)
def create_service(
    form: FormDep, database: DatabaseDep, catalogue: CatalogueDep, staff: StaffDep
) -> JSONResponse:
    try:
        body = ServiceIn.model_validate(form)
    except ValidationError as exc:
        raise ApiError(422, "; ".join(str(e["msg"]) for e in exc.errors()[:3])) from None
    return catalog.create_service(body, database, catalogue, staff)


@router.get("/staff/")
def staff(database: DatabaseDep) -> list[dict[str, Any]]:
    return catalog.list_employees(database)


@router.get("/availability/")
def overview(database: DatabaseDep, catalogue: CatalogueDep) -> dict[str, Any]:
    return availability.overview(database, catalogue)


@router.get("/availability/{service_id}/")
async def slots(
    service_id: str,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    date: str = "",
) -> dict[str, Any]:
    return await availability.slots(service_id, date, database, catalogue, settings)


@router.post("/appointments/", status_code=201)
async def book(
    request: Request,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    user: OptionalUser,
) -> JSONResponse:
    wanted = booking_request(await request.body(), is_form(request), settings)
    booking = await database.writing(create_booking, database, catalogue, settings, wanted, user)
    location = f"/api/v1/appointments/{booking['id']}/"
    return JSONResponse(public(booking), status_code=201, headers={"Location": location})


@router.get("/appointments/")
def mine(database: DatabaseDep, user: UserDep) -> list[dict[str, Any]]:
    return bookings.mine(database, user)


@router.get("/appointments/{booking_id}/")
def read(
    booking_id: str, database: DatabaseDep, settings: SettingsDep, user: UserDep
) -> dict[str, Any]:
    return bookings.read(booking_id, database, settings, user)


@router.post("/appointments/{booking_id}/cancel/")
def cancel(
    booking_id: str, database: DatabaseDep, settings: SettingsDep, user: UserDep
) -> dict[str, Any]:
    return bookings.cancel(booking_id, database, settings, user)
