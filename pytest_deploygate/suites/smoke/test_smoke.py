"""Smoke: the platform is up and its main pages and lists answer. Read-only, safe on production."""

from __future__ import annotations

from datetime import date

import httpx

from pytest_deploygate import Platform
from pytest_deploygate.health import HEALTHY, read_document


def test_health_endpoint_passes(api: httpx.Client, platform: Platform) -> None:
    response = api.get(platform.endpoint("health"))
    # The document's own status (pass/ok/up, or any failing check) decides beside the HTTP code.
    body = response.json()
    verdict = read_document(body)
    assert response.status_code == 200 and verdict.status == HEALTHY, (
        f"health is {body.get('status')!r} (HTTP {response.status_code}); "
        f"failing components: {', '.join(verdict.problems) or 'none reported'}"
    )


def test_home_page_renders(api: httpx.Client, platform: Platform) -> None:
    response = api.get(platform.endpoint("home"))
    assert response.status_code == 200, f"home page answered HTTP {response.status_code}"
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower(), "home page is not an HTML document"


def test_booking_page_renders_services(api: httpx.Client, platform: Platform) -> None:
    response = api.get(platform.endpoint("book"))
    assert response.status_code == 200, f"booking page answered HTTP {response.status_code}"
    assert 'data-testid="service-card"' in response.text, (
        "booking page shows no service-card: customers cannot start a booking"
    )


def test_services_are_listed(api: httpx.Client, platform: Platform) -> None:
    response = api.get(platform.endpoint("services"))
    assert response.status_code == 200, f"services answered HTTP {response.status_code}"
    services = response.json()
    assert isinstance(services, list) and services, "the platform lists no services"
    assert all({"id", "name"} <= set(service) for service in services), services


def test_availability_answers(api: httpx.Client, platform: Platform) -> None:
    overview = api.get(platform.endpoint("availability"))
    assert overview.status_code == 200, f"availability answered HTTP {overview.status_code}"
    service_id = api.get(platform.endpoint("services")).json()[0]["id"]
    day = date.today().isoformat()
    slots = api.get(f"{platform.endpoint('availability')}/{service_id}/{day}")
    assert slots.status_code == 200, (
        f"availability of {service_id} on {day} answered HTTP {slots.status_code}"
    )
    assert isinstance(slots.json().get("slots"), list), slots.text[:200]
