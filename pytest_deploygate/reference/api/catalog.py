"""Services and employees: public lists, admin-only creation."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..db import employee_services, employees, services
from ..deps import AdminDep, CatalogueDep, DatabaseDep
from ..errors import ApiError
from ..scheduling import WEEKDAYS, minutes
from .models import EmployeeIn, ServiceIn

router = APIRouter(tags=["catalog"])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "item"


def service_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "durationMinutes": row.duration_minutes,
        "price": row.price_cents / 100,
        "currency": row.currency,
    }


def _employee_json(row: Any, service_ids: list[str]) -> dict[str, Any]:
    hours = {day: {"start": span[0], "end": span[1]} for day, span in row.working_hours.items()}
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "serviceIds": service_ids,
        "workingHours": hours,
    }


@router.get("/services")
def list_services(database: DatabaseDep) -> list[dict[str, Any]]:
    with database.read() as conn:
        return [service_json(r) for r in conn.execute(sa.select(services).order_by(services.c.id))]


@router.post("/services", status_code=201)
def create_service(
    body: ServiceIn, database: DatabaseDep, catalogue: CatalogueDep, _admin: AdminDep
) -> JSONResponse:
    values = {
        "id": body.id or _slug(body.name),
        "name": body.name.strip(),
        "description": body.description.strip(),
        "duration_minutes": body.duration_minutes,
        "price_cents": round(body.price * 100),
        "currency": body.currency,
    }
    try:
        with database.write() as conn:
            conn.execute(services.insert().values(**values))
    except sa.exc.IntegrityError:
        raise ApiError(409, f"service {values['id']!r} already exists") from None
    catalogue.invalidate()
    with database.read() as conn:
        row = conn.execute(sa.select(services).where(services.c.id == values["id"])).one()
    return JSONResponse(service_json(row), status_code=201)


@router.get("/employees")
def list_employees(database: DatabaseDep) -> list[dict[str, Any]]:
    with database.read() as conn:
        links: dict[str, list[str]] = {}
        for employee_id, service_id in conn.execute(
            sa.select(employee_services).order_by(employee_services.c.service_id)
        ):
            links.setdefault(employee_id, []).append(service_id)
        rows = conn.execute(sa.select(employees).order_by(employees.c.id))
        return [_employee_json(r, links.get(r.id, [])) for r in rows]


@router.post("/employees", status_code=201)
def create_employee(
    body: EmployeeIn, database: DatabaseDep, catalogue: CatalogueDep, _admin: AdminDep
) -> JSONResponse:
    hours: dict[str, list[str]] = {}
    for day, span in body.working_hours.items():
        if day not in WEEKDAYS:
            raise ApiError(422, f"workingHours: {day!r} is not a weekday name (monday..sunday)")
        if minutes(span.start) >= minutes(span.end):
            raise ApiError(422, f"workingHours.{day}: start must be before end")
        hours[day] = [span.start, span.end]
    employee_id = body.id or _slug(body.name)
    try:
        with database.write() as conn:
            known = set(
                conn.execute(
                    sa.select(services.c.id).where(services.c.id.in_(body.service_ids))
                ).scalars()
            )
            unknown = sorted(set(body.service_ids) - known)
            if unknown:
                raise ApiError(422, f"serviceIds: unknown service(s) {', '.join(unknown)}")
            conn.execute(
                employees.insert().values(
                    id=employee_id,
                    name=body.name.strip(),
                    role=body.role.strip(),
                    working_hours=hours,
                )
            )
            if body.service_ids:
                conn.execute(
                    employee_services.insert(),
                    [
                        {"employee_id": employee_id, "service_id": sid}
                        for sid in sorted(set(body.service_ids))
                    ],
                )
    except sa.exc.IntegrityError:
        raise ApiError(409, f"employee {employee_id!r} already exists") from None
    catalogue.invalidate()
    with database.read() as conn:
        row = conn.execute(sa.select(employees).where(employees.c.id == employee_id)).one()
    return JSONResponse(_employee_json(row, sorted(set(body.service_ids))), status_code=201)
