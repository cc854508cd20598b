"""The unindexed-claims fault: a platform with years of past bookings whose slot_claims lost its
index on slot_date, so the representative read "a day's claims" scans every claim ever made.
What the database suite's latency check exists to catch."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import bookings, now, slot_claims

#: Enough past claims that a full scan costs milliseconds while the indexed read costs
#: microseconds, on any machine: the fault's verdict does not hang on this machine's speed.
PAST_CLAIMS = 200_000
_EMPLOYEE, _SERVICE = "thandi", "haircut"
_TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(9, 17) for minute in (0, 15, 30, 45)]


def unindex_claims(conn: Connection) -> None:
    """Drop the slot_date index and fill the past with completed bookings (once)."""
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_slot_claims_slot_date"))
    claims = conn.execute(sa.select(sa.func.count()).select_from(slot_claims)).scalar_one()
    if claims >= PAST_CLAIMS:
        return
    created = now()
    first_day = dt.date.today() - dt.timedelta(days=PAST_CLAIMS // len(_TIMES) + 1)
    days = (first_day + dt.timedelta(days=offset) for offset in itertools.count())
    cells = itertools.islice(((day, time) for day in days for time in _TIMES), PAST_CLAIMS)
    rows = [(f"history-{index:06d}", day, time) for index, (day, time) in enumerate(cells)]
    conn.execute(
        bookings.insert(),
        [
            {
                "id": booking_id,
                "reference": f"BKH{index:07d}",
                "service_id": _SERVICE,
                "employee_id": _EMPLOYEE,
                "scheduled_date": day,
                "scheduled_time": time,
                "duration_minutes": 15,
                "customer_name": "Past Customer",
                "customer_email": "past@example.com",
                "customer_phone": "+27000000000",
                "status": "completed",
                "payment_status": "paid",
                "created_at": created,
            }
            for index, (booking_id, day, time) in enumerate(rows)
        ],
    )
    conn.execute(
        slot_claims.insert(),
        [
            {"employee_id": _EMPLOYEE, "slot_date": day, "slot_time": time, "booking_id": key}
            for key, day, time in rows
        ],
    )
