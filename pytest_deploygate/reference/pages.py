"""Server-rendered pages: home, the /book wizard, confirmation, payment.

Every step is a plain link or form post, so the flow works without JavaScript and with the
keyboard alone; static/app.js only adds the mobile menu and submits the date on change.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from .api.catalog import service_json
from .catalogue import CatalogueCache
from .db import Database, services
from .deps import CatalogueDep, DatabaseDep, SettingsDep
from .errors import ApiError
from .payments import PaymentRequest, pay
from .scheduling import (
    BOOKING_HORIZON_DAYS,
    BookingRequest,
    CustomerDetails,
    cancel_booking,
    create_booking,
    free_slots,
    get_booking_by_reference,
    get_service,
    next_available_date,
)
from .settings import Settings

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


async def form_data(request: Request) -> dict[str, str]:
    """An urlencoded form body as a flat dict (first value of each field)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


FormDep = Annotated[dict[str, str], Depends(form_data)]


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    base = {
        "a11y_broken": settings.has("inaccessible-forms"),
        "menu_broken": settings.has("broken-mobile-menu"),
        "cards_broken": settings.has("broken-service-cards"),
        "today": date.today(),
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status_code)


@router.get("/")
def home(request: Request, database: DatabaseDep) -> HTMLResponse:
    with database.read() as conn:
        catalogue = [service_json(r) for r in conn.execute(sa.select(services))]
    return render(request, "home.html", {"services": catalogue})


def book_context(
    database: Database,
    catalogue: CatalogueCache,
    service_id: str | None,
    day_text: str | None,
    time: str | None,
) -> dict[str, Any]:
    with database.read() as conn:
        current = catalogue.get(conn)
        listed = [service_json(r) for r in conn.execute(sa.select(services))]
        context: dict[str, Any] = {
            "services": listed,
            "service": None,
            "slots": [],
            "day": None,
            "time": None,
            "errors": [],
        }
        if not service_id:
            return context
        try:
            service = get_service(current, service_id)
        except ApiError:
            context["errors"].append("That service does not exist; choose one below.")
            return context
        try:
            day = (
                date.fromisoformat(day_text)
                if day_text
                else next_available_date(conn, current, service)
            )
        except ValueError:
            context["errors"].append("That date is not valid; pick one from the calendar.")
            day = next_available_date(conn, current, service)
        slots = free_slots(conn, current, service, day)
    chosen = time if time in {s["time"] for s in slots} else None
    if time and not chosen:
        context["errors"].append(f"{time} is no longer free on {day.isoformat()}; pick another.")
    return context | {
        "service": service_json(service),
        "day": day,
        "slots": slots,
        "time": chosen,
        "max_day": date.today() + timedelta(days=BOOKING_HORIZON_DAYS),
    }


@router.get("/book")
def book(
    request: Request,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    service: str | None = None,
    day: Annotated[str | None, Query(alias="date")] = None,
    time: str | None = None,
) -> HTMLResponse:
    return render(
        request, "book.html", book_context(database, catalogue, service, day, time) | {"form": {}}
    )


@router.post("/book", response_model=None)
def submit_booking(
    request: Request,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    booking_request = BookingRequest(
        service_id=form.get("service", ""),
        scheduled_date=form.get("date", ""),
        scheduled_time=form.get("time", ""),
        notes=form.get("notes") or None,
        customer=CustomerDetails(
            name=form.get("name", ""), email=form.get("email", ""), phone=form.get("phone", "")
        ),
    )
    try:
        booking = create_booking(database, catalogue, settings, booking_request, owner=None)
    except ApiError as exc:
        context = book_context(
            database, catalogue, form.get("service"), form.get("date"), form.get("time")
        )
        context["errors"].append(exc.message)
        return render(request, "book.html", context | {"form": form}, status_code=exc.status)
    return RedirectResponse(f"/book/confirmation/{booking['reference']}", status_code=303)


def shown_booking(settings: Settings, booking: dict[str, Any]) -> dict[str, Any]:
    if settings.has("no-input-validation"):
        # The fault: customer text goes into the page as markup.
        booking = booking | {
            "customerDetails": booking["customerDetails"]
            | {"name": Markup(booking["customerDetails"]["name"])}
        }
    return booking


@router.get("/book/confirmation/{reference}")
def confirmation(
    request: Request, reference: str, database: DatabaseDep, settings: SettingsDep
) -> HTMLResponse:
    booking = get_booking_by_reference(database, reference)
    return render(
        request,
        "confirmation.html",
        {
            "booking": shown_booking(settings, booking),
            "broken": settings.has("broken-confirmation"),
        },
    )


@router.post("/book/{reference}/cancel", response_model=None)
def cancel(reference: str, database: DatabaseDep) -> Response:
    booking = get_booking_by_reference(database, reference)
    if booking["status"] != "cancelled":
        cancel_booking(database, booking["id"])
    return RedirectResponse(f"/book/confirmation/{reference}", status_code=303)


@router.get("/pay/{reference}")
def payment_page(request: Request, reference: str, database: DatabaseDep) -> HTMLResponse:
    booking = get_booking_by_reference(database, reference)
    return render(
        request,
        "payment.html",
        {"booking": booking, "result": None, "error": None, "key": str(uuid.uuid4())},
    )


@router.post("/pay/{reference}")
def submit_payment(
    request: Request,
    reference: str,
    database: DatabaseDep,
    settings: SettingsDep,
    form: FormDep,
) -> HTMLResponse:
    booking = get_booking_by_reference(database, reference)
    payment = PaymentRequest(
        booking_id=booking["id"],
        booking_reference=None,
        card_number=form.get("card", ""),
        expiry=form.get("expiry", ""),
        cvc=form.get("cvc", ""),
    )
    context: dict[str, Any] = {
        "booking": booking,
        "result": None,
        "error": None,
        "key": str(uuid.uuid4()),
    }
    try:
        result = pay(database, settings, payment, form.get("key") or None)
    except ApiError as exc:
        return render(
            request, "payment.html", context | {"error": exc.message}, status_code=exc.status
        )
    if result.status_code == 201:
        booking = get_booking_by_reference(database, reference)
        return render(request, "payment.html", context | {"booking": booking, "result": "success"})
    return render(
        request,
        "payment.html",
        context | {"result": "declined", "error": result.body["error"]},
        status_code=result.status_code,
    )


def html_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)
