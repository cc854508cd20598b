"""A booking from a form (service, date, time, name, email, phone, notes): the session
profile's field names. The leaky-500s fault reads it the naive way and lets the crash show."""

from __future__ import annotations

from urllib.parse import parse_qs

from ..errors import ApiError
from ..scheduling import BookingRequest, CustomerDetails
from ..settings import Settings

FIELDS = ("service", "date", "time", "name", "email", "phone")


def booking_request(raw: bytes, is_form: bool, settings: Settings) -> BookingRequest:
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    if settings.has("leaky-500s"):
        # The fault: trust the body's shape; a missing field is a KeyError the caller sees.
        return _request(form, form["email"].lower())
    if not is_form:
        raise ApiError(400, "expected a form body (application/x-www-form-urlencoded)")
    missing = [name for name in FIELDS if name not in form]
    if missing:
        raise ApiError(422, f"missing field(s): {', '.join(missing)}")
    return _request(form, form["email"])


def _request(form: dict[str, str], email: str) -> BookingRequest:
    return BookingRequest(
        service_id=form["service"],
        scheduled_date=form["date"],
        scheduled_time=form["time"],
        notes=form.get("notes") or None,
        customer=CustomerDetails(name=form["name"], email=email, phone=form["phone"]),
    )
