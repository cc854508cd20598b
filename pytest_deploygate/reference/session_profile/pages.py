"""The session profile's pages: home, the booking wizard at /appointments/new/ (class and id
selectors, no data-testid), the confirmation, and "my appointments" behind the login."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..api.catalog import service_json
from ..db import services
from ..deps import CatalogueDep, DatabaseDep, SettingsDep
from ..errors import ApiError
from ..pages import book_context, shown_booking
from ..scheduling import create_booking, get_booking_by_reference, list_bookings
from ..settings import Settings
from . import sessions
from .deps import FormDep, UserDep
from .forms import booking_request

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    base = {
        "a11y_broken": settings.has("inaccessible-forms"),
        "today": date.today(),
        "csrf_token": sessions.csrf_token(request),
    }
    response = templates.TemplateResponse(request, name, base | context, status_code=status_code)
    sessions.ensure_csrf_cookie(request, response)
    return response


@router.get("/")
def home(request: Request, database: DatabaseDep) -> HTMLResponse:
    with database.read() as conn:
        listed = [service_json(r) for r in conn.execute(sa.select(services))]
    return render(request, "home.html", {"services": listed})


@router.get("/appointments/new/")
def book(
    request: Request,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    service: str | None = None,
    day: Annotated[str | None, Query(alias="date")] = None,
    time: str | None = None,
) -> HTMLResponse:
    context = book_context(database, catalogue, service, day, time)
    return render(request, "book.html", context | {"form": {}})


@router.post("/appointments/new/", response_model=None)
async def submit(
    request: Request,
    database: DatabaseDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    if not sessions.csrf_ok(request, form):  # a page form always carries its token
        raise ApiError(403, "CSRF verification failed; reload the page and try again")
    try:
        wanted = booking_request(await request.body(), True, settings)
        booking = await database.writing(
            create_booking, database, catalogue, settings, wanted, sessions.current(request)
        )
    except ApiError as exc:
        context = book_context(
            database, catalogue, form.get("service"), form.get("date"), form.get("time")
        )
        context["errors"].append(exc.message)
        return render(request, "book.html", context | {"form": form}, status_code=exc.status)
    return RedirectResponse(f"/appointments/{booking['reference']}/", status_code=303)


@router.get("/appointments/{reference}/")
def confirmation(
    request: Request, reference: str, database: DatabaseDep, settings: SettingsDep
) -> HTMLResponse:
    booking = get_booking_by_reference(database, reference)
    context = {
        "booking": shown_booking(settings, booking),
        "broken": settings.has("broken-confirmation"),
    }
    return render(request, "confirmation.html", context)


@router.get("/accounts/appointments/")
def mine(request: Request, database: DatabaseDep, user: UserDep) -> HTMLResponse:
    return render(request, "mine.html", {"bookings": list_bookings(database, user)})


def html_error(request: Request, status: int, message: str) -> HTMLResponse:
    context = {"status": status, "message": message}
    return render(request, "error.html", context, status_code=status)
