"""Availability: free start times per service and day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from ..db import services
from ..deps import DatabaseDep
from ..errors import ApiError
from ..scheduling import BOOKING_HORIZON_DAYS, free_slots, get_service, next_available_date

router = APIRouter(tags=["availability"])


@router.get("/availability")
def overview(database: DatabaseDep) -> dict[str, Any]:
    """Each service with the first day that still has a free slot."""
    with database.read() as conn:
        rows = list(conn.execute(sa.select(services).order_by(services.c.id)))
        return {
            "services": [
                {
                    "serviceId": row.id,
                    "name": row.name,
                    "nextAvailableDate": next_available_date(conn, row).isoformat(),
                }
                for row in rows
            ]
        }


@router.get("/availability/{service_id}/{day}")
def slots(service_id: str, day: str, database: DatabaseDep) -> dict[str, Any]:
    """Free slots; an unknown service is a 404 and a malformed date a 400."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, f"invalid date {day!r}: use YYYY-MM-DD") from None
    with database.read() as conn:
        service = get_service(conn, service_id)
        in_range = date.today() <= parsed <= date.today() + timedelta(days=BOOKING_HORIZON_DAYS)
        found = free_slots(conn, service, parsed) if in_range else []
    return {
        "serviceId": service_id,
        "date": parsed.isoformat(),
        "durationMinutes": service.duration_minutes,
        "slots": found,
    }
