"""The session profile's shape, route by route: form login behind a CSRF token, a new session
id at login, redirects to the login page, the staff role, form-encoded bookings, a plain health
document, no OpenAPI document and no data-testid; and each of its own faults removes exactly
the protection it names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import httpx
import pytest
from refapp_support import Platform, StartPlatform

from pytest_deploygate.reference.faults import SESSION_FAULTS

_OPEN: list[httpx.Client] = []


def new_client(p: Platform, **kwargs: object) -> httpx.Client:
    client = httpx.Client(base_url=p.url, timeout=30, **kwargs)  # type: ignore[arg-type]
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


@pytest.fixture(scope="module")
def shop(start_platform: StartPlatform) -> Platform:
    return start_platform(profile="session")


def sign_in(
    p: Platform, client: httpx.Client | None = None, role: str = "customer"
) -> httpx.Client:
    client = client or new_client(p)
    client.get("/accounts/login/")
    email, password = {
        "customer": (p.settings.customer_email, p.settings.customer_password),
        "staff": (p.settings.admin_email, p.settings.admin_password),
    }[role]
    form = {"username": email, "password": password}
    token = client.cookies.get("csrftoken") or ""
    response = client.post("/accounts/login/", data=form | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.text
    return client


def form_booking(p: Platform) -> dict[str, str]:
    day = date.today() + timedelta(days=3)
    while not (slots := p.client.get(f"/api/v1/availability/haircut/?date={day}").json()["slots"]):
        day += timedelta(days=1)
    return {
        "service": "haircut",
        "date": day.isoformat(),
        "time": slots[0]["time"],
        "name": "Form Customer",
        "email": "form@example.com",
        "phone": "+27123456789",
    }


def test_login_needs_the_csrf_token_and_issues_a_new_session(shop: Platform) -> None:
    client = new_client(shop)
    page = client.get("/accounts/login/")
    assert 'name="csrfmiddlewaretoken"' in page.text and client.cookies.get("csrftoken")
    credentials = {"username": shop.settings.customer_email, "password": "x"}
    assert client.post("/accounts/login/", data=credentials).status_code == 403  # no token
    wrong = client.post(
        "/accounts/login/", data=credentials | {"csrfmiddlewaretoken": client.cookies["csrftoken"]}
    )
    assert wrong.status_code == 401 and "sessionid" not in client.cookies
    before = client.cookies.get("csrftoken")
    sign_in(shop, client)
    assert client.cookies.get("sessionid")
    assert client.cookies.get("csrftoken") != before  # rotated at login, as Django does


def test_protected_pages_and_endpoints_redirect_to_login(shop: Platform) -> None:
    for path in ("/api/v1/appointments/", "/accounts/appointments/"):
        response = shop.client.get(path)
        assert response.status_code == 302
        assert response.headers["location"] == f"/accounts/login/?next={path}"
    assert sign_in(shop).get("/accounts/appointments/").status_code == 200


def test_only_staff_may_create_services(shop: Platform) -> None:
    service = {"name": "Staff only", "durationMinutes": "30", "price": "10"}

    def create(client: httpx.Client) -> httpx.Response:
        token = {"csrfmiddlewaretoken": client.cookies.get("csrftoken") or ""}
        return client.post("/api/v1/services/", data=service | token)

    assert create(sign_in(shop)).status_code == 403
    assert create(sign_in(shop, role="staff")).status_code == 201


def test_a_signed_in_write_without_the_csrf_token_is_refused(shop: Platform) -> None:
    client = sign_in(shop)
    response = client.post("/api/v1/appointments/", data=form_booking(shop))
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    token = {"X-CSRFToken": client.cookies["csrftoken"]}
    accepted = client.post("/api/v1/appointments/", data=form_booking(shop), headers=token)
    assert accepted.status_code == 201 and accepted.json()["reference"].startswith("BK")


def test_bookings_are_forms_and_json_is_a_400(shop: Platform) -> None:
    created = shop.client.post("/api/v1/appointments/", data=form_booking(shop))
    assert created.status_code == 201
    as_json = shop.client.post("/api/v1/appointments/", json=form_booking(shop))
    assert as_json.status_code == 400 and "form" in as_json.json()["detail"]
    missing = shop.client.post("/api/v1/appointments/", data={"service": "haircut"})
    assert missing.status_code == 422 and "date" in missing.json()["detail"]


def test_health_openapi_headers_and_selectors(shop: Platform) -> None:
    health = shop.client.get("/healthz/")
    assert health.json() == {"status": "ok"}
    assert health.headers["x-xss-protection"] == "0"  # OWASP's advice, not the seed's
    for absent in ("/openapi.json", "/api/health", "/api/chat", "/book"):
        assert shop.client.get(absent).status_code == 404, absent
    page = shop.client.get("/appointments/new/?service=haircut").text
    assert "data-testid" not in page and 'class="card service-option"' in page


def fixation_refused(p: Platform) -> bool:
    client = new_client(p)
    client.cookies.set("sessionid", "planted-by-an-attacker", domain="127.0.0.1", path="/")
    sign_in(p, client)
    return client.cookies.get("sessionid") != "planted-by-an-attacker"


def logout_ends_session(p: Platform) -> bool:
    client = sign_in(p)
    session = client.cookies["sessionid"]
    client.post("/accounts/logout/", headers={"X-CSRFToken": client.cookies["csrftoken"]})
    replay = new_client(p, cookies={"sessionid": session})
    return replay.get("/api/v1/appointments/").status_code == 302


def session_cookie_http_only(p: Platform) -> bool:
    client = new_client(p)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        data={
            "username": p.settings.customer_email,
            "password": p.settings.customer_password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    session = [h for h in response.headers.get_list("set-cookie") if h.startswith("sessionid=")]
    return "httponly" in session[0].lower()


SESSION_PROTECTIONS: dict[str, Callable[[Platform], bool]] = {
    "session-fixation": fixation_refused,
    "logout-keeps-session": logout_ends_session,
    "script-readable-session": session_cookie_http_only,
}


def test_every_session_fault_has_a_proof() -> None:
    assert set(SESSION_PROTECTIONS) == SESSION_FAULTS


@pytest.mark.parametrize("fault", sorted(SESSION_PROTECTIONS))
def test_session_fault_removes_its_protection(
    start_platform: StartPlatform, shop: Platform, fault: str
) -> None:
    protected = SESSION_PROTECTIONS[fault]
    assert protected(shop), f"clean session profile lacks the protection {fault} removes"
    faulty = start_platform(profile="session", faults=frozenset({fault}))
    assert not protected(faulty), f"{fault} changed nothing"
