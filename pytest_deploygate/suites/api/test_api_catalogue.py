"""The read-only booking API: services, employees, availability (safe on production)."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("api")

import datetime as dt
import re
from typing import Any

import httpx

from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.suites.api.bookings import BookingFactory
from pytest_deploygate.suites.api.evidence import error_problems, json_body, shown

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def listed(response: httpx.Response, what: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, f"{what} answered {shown(response)}, expected 200"
    body = json_body(response)
    assert isinstance(body, list), f"{what} did not answer a JSON list: {shown(response)}"
    return [item for item in body if isinstance(item, dict)]


def test_services_are_listed_with_id_and_name(api: httpx.Client, booking_api: ApiContract) -> None:
    services = listed(api.get(booking_api.services.url()), str(booking_api.services))
    assert services, f"{booking_api.services} lists no services"
    incomplete = [s for s in services if not s.get("id") or not s.get("name")]
    assert not incomplete, f"{booking_api.services}: services without id/name: {incomplete[:3]}"


def test_employees_are_listed_with_id_and_name(api: httpx.Client, booking_api: ApiContract) -> None:
    employees = listed(api.get(booking_api.employees.url()), str(booking_api.employees))
    assert employees, f"{booking_api.employees} lists no employees"
    incomplete = [e for e in employees if not e.get("id") or not e.get("name")]
    assert not incomplete, f"{booking_api.employees}: employees without id/name: {incomplete[:3]}"


def test_the_availability_overview_answers_json(
    api: httpx.Client, booking_api: ApiContract
) -> None:
    # The seed's health check polls this endpoint after every deploy.
    url = booking_api.availability_overview.url()
    response = api.get(url)
    assert response.status_code == 200, f"GET {url} answered {shown(response)}, expected 200"
    assert json_body(response) is not None, f"GET {url} did not answer JSON: {shown(response)}"


def test_availability_lists_free_slots_as_times(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    slot = bookings.free_slot(api)  # scans ahead until a day has slots
    url = booking_api.availability.url(service_id=slot.service_id, date=slot.date)
    found = bookings.slots(api, slot.service_id, slot.date)
    malformed = [s.time for s in found if not TIME.match(s.time)]
    assert not malformed, f"GET {url} lists slot times that are not HH:MM: {malformed[:5]}"


def test_availability_of_an_unknown_service_is_a_json_404(
    api: httpx.Client, booking_api: ApiContract
) -> None:
    date = (dt.date.today() + dt.timedelta(days=booking_api.booking_days_ahead)).isoformat()
    url = booking_api.availability.url(service_id="deploygate-no-such-service", date=date)
    response = api.get(url)
    assert response.status_code in (404, 422), (
        f"GET {url} answered {shown(response)}, expected 404 for an unknown service"
    )
    problems = error_problems(response)
    assert not problems, f"GET {url}: {'; '.join(problems)}"


def test_availability_of_a_malformed_date_is_a_json_4xx(
    api: httpx.Client, booking_api: ApiContract, bookings: BookingFactory
) -> None:
    service_id = bookings.service_ids(api)[0]
    url = booking_api.availability.url(service_id=service_id, date="2025-13-45")
    response = api.get(url)
    assert response.status_code in (400, 404, 422), (
        f"GET {url} answered {shown(response)}, expected 400/422 for an impossible date"
    )
    problems = error_problems(response)
    assert not problems, f"GET {url}: {'; '.join(problems)}"
