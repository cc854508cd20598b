"""Smoke: the platform is up and its main pages and lists answer. Read-only, safe on production."""

from __future__ import annotations

from datetime import date

import httpx

from pytest_deploygate import Platform
from pytest_deploygate.health import HEALTHY, read_document
from pytest_deploygate.mismatch import contract_mismatch, json_of
from pytest_deploygate.suites.smoke.html_selectors import has_element


def test_health_endpoint_passes(api: httpx.Client, platform: Platform) -> None:
    response = api.get(platform.endpoint("health"))
    # The document's own status (pass/ok/up, or any failing check) decides beside the HTTP code.
    body = json_of(response, "endpoints.health")
    if not isinstance(body, dict):
        contract_mismatch("endpoints.health", f"the health document is not an object: {body!r}")
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
    if response.status_code == 404:
        contract_mismatch("endpoints.book", f"GET {platform.endpoint('book')} answered HTTP 404")
    assert response.status_code == 200, f"booking page answered HTTP {response.status_code}"
    selector = platform.selector("service-card")
    assert has_element(response.text, selector), (
        f"booking page shows no service card ({selector}): customers cannot start a booking "
        "(a different page shape is set in [platform.selectors] service-card)"
    )


def test_services_are_listed(api: httpx.Client, platform: Platform) -> None:
    operation = platform.api.services
    response = api.request(operation.method, operation.url())
    assert response.status_code == 200, f"services answered HTTP {response.status_code}"
    services = json_of(response, "api.services")
    assert isinstance(services, list) and services, "the platform lists no services"
    assert all({"id", "name"} <= set(service) for service in services), services


def test_availability_answers(api: httpx.Client, platform: Platform) -> None:
    contract = platform.api
    overview = api.request(
        contract.availability_overview.method, contract.availability_overview.url()
    )
    assert overview.status_code == 200, f"availability answered HTTP {overview.status_code}"
    services = json_of(api.get(contract.services.url()), "api.services")
    if not (isinstance(services, list) and services and "id" in services[0]):
        contract_mismatch("api.services", "the services answer is not a list of {id, ...}")
    service_id = services[0]["id"]
    day = date.today().isoformat()
    path = contract.availability.url(service_id=service_id, date=day)
    slots = api.request(contract.availability.method, path)
    assert slots.status_code == 200, (
        f"availability of {service_id} on {day} ({path}) answered HTTP {slots.status_code}"
    )
    body = json_of(slots, "api.availability")
    if not isinstance(body, dict):
        contract_mismatch("api.availability", f"{path} answered {slots.text[:80]!r}, not {{slots}}")
    assert isinstance(body.get("slots"), list), slots.text[:200]
