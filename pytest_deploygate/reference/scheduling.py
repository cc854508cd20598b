"""Availability and bookings: slots from working hours minus claimed cells; book; cancel."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from .catalogue import Catalogue, CatalogueCache
from .db import Database, booking_columns, bookings, equals, now, services, slot_claims
from .errors import ApiError
from .security import Principal
from .settings import Settings

CELL_MINUTES = 15  # claims are made per 15-minute cell
SLOT_STEP_MINUTES = 30  # bookable start times are on the half hour
BOOKING_HORIZON_DAYS = 365
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
MARKUP = re.compile(r"[<>]")


@dataclass(frozen=True)
class CustomerDetails:
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class BookingRequest:
    service_id: str
    scheduled_date: str
    scheduled_time: str
    customer: CustomerDetails
    notes: str | None = None
    employee_id: str | None = None


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def hhmm(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


def cells(start: str, duration: int) -> list[str]:
    first = minutes(start)
    return [hhmm(m) for m in range(first, first + duration, CELL_MINUTES)]


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ApiError(400, f"invalid date {text!r}: use YYYY-MM-DD") from None


def parse_time(text: str) -> str:
    if not isinstance(text, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise ApiError(422, f"invalid scheduledTime {text!r}: use HH:MM (24-hour)")
    return text


def get_service(catalogue: Catalogue, service_id: str) -> Row[Any]:
    row = catalogue.services.get(service_id)
    if row is None:
        raise ApiError(404, f"service {service_id!r} not found")
    return row


def _claimed(conn: Connection, employee_ids: list[str], day: date) -> dict[str, set[str]]:
    taken: dict[str, set[str]] = {eid: set() for eid in employee_ids}
    query = sa.select(slot_claims.c.employee_id, slot_claims.c.slot_time).where(
        slot_claims.c.employee_id.in_(employee_ids), slot_claims.c.slot_date == day
    )
    for employee_id, slot_time in conn.execute(query):
        taken[employee_id].add(slot_time)
    return taken


def _starts(employee: Row[Any], day: date, duration: int) -> list[str]:
    hours = employee.working_hours.get(WEEKDAYS[day.weekday()])
    if not hours:
        return []
    opens, closes = minutes(hours[0]), minutes(hours[1])
    return [hhmm(m) for m in range(opens, closes - duration + 1, SLOT_STEP_MINUTES)]


def _is_past(day: date, start: str, current: datetime) -> bool:
    return (day, minutes(start)) <= (current.date(), current.hour * 60 + current.minute)


def free_slots(
    conn: Connection, catalogue: Catalogue, service: Row[Any], day: date
) -> list[dict[str, str]]:
    """Bookable start times for one service on one day, earliest first."""
    staff = catalogue.staff.get(service.id, [])
    taken = _claimed(conn, [e.id for e in staff], day)
    current = datetime.now()
    slots = []
    for employee in staff:
        for start in _starts(employee, day, service.duration_minutes):
            if _is_past(day, start, current):
                continue
            if taken[employee.id].isdisjoint(cells(start, service.duration_minutes)):
                slots.append({"time": start, "employeeId": employee.id})
    return sorted(slots, key=lambda s: (s["time"], s["employeeId"]))


def next_available_date(
    conn: Connection, catalogue: Catalogue, service: Row[Any], weekdays_only: bool = False
) -> date:
    """The first day from tomorrow with a free slot (today is often nearly over)."""
    day = date.today() + timedelta(days=1)
    for _ in range(BOOKING_HORIZON_DAYS):
        if not (weekdays_only and day.weekday() >= 5) and free_slots(conn, catalogue, service, day):
            return day
        day += timedelta(days=1)
    return date.today() + timedelta(days=1)


def validate_customer(details: CustomerDetails, settings: Settings) -> CustomerDetails:
    name, email, phone = details.name.strip(), details.email.strip(), details.phone.strip()
    if not name or len(name) > 120:
        raise ApiError(422, "customerDetails.name: give a name of 1 to 120 characters")
    if not settings.has("no-input-validation") and MARKUP.search(name):
        raise ApiError(422, "customerDetails.name: must not contain < or >")
    if not EMAIL.match(email) or len(email) > 254:
        raise ApiError(422, f"customerDetails.email: {email!r} is not an e-mail address")
    if not PHONE.match(phone):
        raise ApiError(422, "customerDetails.phone: use digits, e.g. +27123456789")
    return CustomerDetails(name=name, email=email, phone=phone)


def new_reference() -> str:
    return "BK" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def create_booking(
    database: Database,
    catalogue: CatalogueCache,
    settings: Settings,
    request: BookingRequest,
    owner: Principal | None,
) -> dict[str, Any]:
    """Book a slot. The slot_claims primary key, not this code, is what stops double booking."""
    customer = validate_customer(request.customer, settings)
    day = parse_date(request.scheduled_date)
    start = parse_time(request.scheduled_time)
    if request.notes is not None and len(request.notes) > 1000:
        raise ApiError(422, "notes: at most 1000 characters")
    if _is_past(day, start, datetime.now()):
        raise ApiError(422, f"{day.isoformat()} {start} is in the past; choose a future slot")
    if day > date.today() + timedelta(days=BOOKING_HORIZON_DAYS):
        raise ApiError(422, f"bookings open at most {BOOKING_HORIZON_DAYS} days ahead")
    guarded = not settings.has("double-booking")
    booking_id = str(uuid.uuid4())
    try:
        with database.write() as conn:
            current = catalogue.get(conn)
            service = _bookable_service(current, _service_id(conn, request.service_id, settings))
            duration = service.duration_minutes
            staff = [
                e
                for e in current.staff.get(service.id, [])
                if start in _starts(e, day, duration) and request.employee_id in (None, e.id)
            ]
            if not staff:
                raise ApiError(422, f"{start} on {day.isoformat()} is not a bookable time")
            if guarded:
                taken = _claimed(conn, [e.id for e in staff], day)
                staff = [e for e in staff if taken[e.id].isdisjoint(cells(start, duration))]
                if not staff:
                    raise ApiError(409, "this slot is already booked")
            employee = staff[0]
            values: dict[str, Any] = {
                "id": booking_id,
                "reference": new_reference(),
                "service_id": service.id,
                "employee_id": employee.id,
                "scheduled_date": day,
                "scheduled_time": start,
                "duration_minutes": duration,
                "customer_name": customer.name,
                "customer_email": customer.email,
                "customer_phone": customer.phone,
                "status": "confirmed",
                "payment_status": "unpaid",
                "owner_id": owner.user_id if owner else None,
                "created_at": now(),
            }
            if database.has_notes:
                values["notes"] = request.notes
            conn.execute(bookings.insert().values(**values))
            if guarded:
                conn.execute(
                    slot_claims.insert(),
                    [
                        {
                            "employee_id": employee.id,
                            "slot_date": day,
                            "slot_time": cell,
                            "booking_id": booking_id,
                        }
                        for cell in cells(start, duration)
                    ],
                )
    except sa.exc.IntegrityError:
        raise ApiError(409, "this slot is already booked") from None
    row = values | {
        "service_name": service.name,
        "price_cents": service.price_cents,
        "currency": service.currency,
    }
    return booking_json(row) | {"ownerId": row["owner_id"]}


def _service_id(conn: Connection, service_id: str, settings: Settings) -> str:
    """The requested service id; the sql-injection-bookings fault first looks it up in the
    database with the id pasted into the SQL (the cached catalogue then checks what it found)."""
    if not settings.has("sql-injection-bookings"):
        return service_id
    found = conn.execute(
        sa.select(services.c.id).where(equals(services.c.id, service_id, settings))
    ).scalar()
    return str(found) if found is not None else service_id


def _bookable_service(catalogue: Catalogue, service_id: str) -> Row[Any]:
    try:
        return get_service(catalogue, service_id)
    except ApiError:
        raise ApiError(422, f"serviceId: unknown service {service_id!r}") from None


def _select(database: Database) -> sa.Select[Any]:
    return sa.select(
        *booking_columns(database),
        services.c.name.label("service_name"),
        services.c.price_cents,
        services.c.currency,
    ).join(services, services.c.id == bookings.c.service_id)


def booking_json(row: Row[Any] | dict[str, Any]) -> dict[str, Any]:
    data = row if isinstance(row, dict) else row._mapping
    return {
        "id": data["id"],
        "reference": data["reference"],
        "status": data["status"],
        "paymentStatus": data["payment_status"],
        "serviceId": data["service_id"],
        "serviceName": data["service_name"],
        "employeeId": data["employee_id"],
        "scheduledDate": data["scheduled_date"].isoformat(),
        "scheduledTime": data["scheduled_time"],
        "durationMinutes": data["duration_minutes"],
        "price": data["price_cents"] / 100,
        "currency": data["currency"],
        "customerDetails": {
            "name": data["customer_name"],
            "email": data["customer_email"],
            "phone": data["customer_phone"],
        },
        "notes": data.get("notes"),
        "createdAt": data["created_at"].isoformat(),
    }


def get_booking(
    database: Database, booking_id: str, settings: Settings | None = None
) -> dict[str, Any]:
    """A booking by id. ``settings``: a request's lookup, which the sql-injection-bookings fault
    makes unsafely; None for an id the platform has just checked itself."""
    where = (
        bookings.c.id == booking_id
        if settings is None
        else equals(bookings.c.id, booking_id, settings)
    )
    with database.read() as conn:
        row = conn.execute(_select(database).where(where)).first()
    if row is None:
        raise ApiError(404, "booking not found")
    return booking_json(row) | {"ownerId": row.owner_id}


def get_booking_by_reference(database: Database, reference: str) -> dict[str, Any]:
    with database.read() as conn:
        row = conn.execute(_select(database).where(bookings.c.reference == reference)).first()
    if row is None:
        raise ApiError(404, "booking not found")
    return booking_json(row) | {"ownerId": row.owner_id}


def list_bookings(database: Database, principal: Principal) -> list[dict[str, Any]]:
    query = _select(database).order_by(bookings.c.scheduled_date, bookings.c.scheduled_time)
    if not principal.is_admin:
        query = query.where(bookings.c.owner_id == principal.user_id)
    with database.read() as conn:
        return [booking_json(row) for row in conn.execute(query)]


def check_access(booking: dict[str, Any], principal: Principal, settings: Settings) -> None:
    """Owner or admin; anyone else authenticated gets 403 (the bola fault lets them through)."""
    if principal.is_admin or settings.has("bola"):
        return
    if booking["ownerId"] != principal.user_id:
        raise ApiError(403, "you can only access your own bookings")


def cancel_booking(database: Database, booking_id: str) -> dict[str, Any]:
    with database.write() as conn:
        status = conn.execute(
            sa.select(bookings.c.status).where(bookings.c.id == booking_id)
        ).scalar_one_or_none()
        if status is None:
            raise ApiError(404, "booking not found")
        if status == "cancelled":
            raise ApiError(409, "booking is already cancelled")
        conn.execute(
            bookings.update().where(bookings.c.id == booking_id).values(status="cancelled")
        )
        # Deleting the claims is what frees the slot for someone else.
        conn.execute(slot_claims.delete().where(slot_claims.c.booking_id == booking_id))
    return get_booking(database, booking_id)


def public(booking: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in booking.items() if k != "ownerId"}
