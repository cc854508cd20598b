"""Availability: free start times per service and day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from sqlalchemy.engine import Connection, Row

from ..db import services
from ..deps import CatalogueDep, DatabaseDep, SettingsDep
from ..errors import ApiError
from ..scheduling import BOOKING_HORIZON_DAYS, free_slots, get_service, next_available_date

router = APIRouter(tags=["availability"])


@router.get("/availability")
def overview(database: DatabaseDep, catalogue: CatalogueDep) -> dict[str, Any]:
    """Each service with the first day that still has a free slot."""
    with database.read() as conn:
        current = catalogue.get(conn)
        rows = list(conn.execute(sa.select(services).order_by(services.c.id)))
        return {
            "services": [
                {
                    "serviceId": row.id,
                    "name": row.name,
                    "nextAvailableDate": next_available_date(conn, current, row).isoformat(),
                }
                for row in rows
            ]
        }


@router.get("/availability/{service_id}/{day}")
async def slots(
    service_id: str, day: str, database: DatabaseDep, catalogue: CatalogueDep, settings: SettingsDep
) -> dict[str, Any]:
    """Free slots; an unknown service is a 404 and a malformed date a 400."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, f"invalid date {day!r}: use YYYY-MM-DD") from None
    in_range = date.today() <= parsed <= date.today() + timedelta(days=BOOKING_HORIZON_DAYS)

    def look_up(conn: Connection) -> tuple[Row[Any], list[dict[str, str]]]:
        current = catalogue.get(conn)
        service = get_service(current, service_id)
        return service, free_slots(conn, current, service, parsed) if in_range else []

    service, found = await database.reading(look_up)
    if settings.has("slot-times-with-seconds"):  # a TIME column's text leaking through
        found = [{**slot, "time": f"{slot['time']}:00"} for slot in found]
    return {
        "serviceId": service_id,
        "date": parsed.isoformat(),
        "durationMinutes": service.duration_minutes,
        "slots": found,
    }
