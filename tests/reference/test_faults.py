"""Each fault removes exactly the protection it names: present when off, gone when on."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from refapp_support import Platform, StartPlatform, booking_body

from pytest_deploygate.reference import FAULTS
from pytest_deploygate.reference.faults import SESSION_FAULTS
from pytest_deploygate.reference.security import hash_password
from pytest_deploygate.reference.settings import SCHEMA_VERSION

SLOW_API_DELAY_S = 0.3  # the slow-api fault's sleep (reference/middleware.py)


def security_headers(p: Platform) -> bool:
    headers = p.client.get("/api/health").headers
    return headers.get("x-frame-options") == "DENY" and "content-security-policy" in headers


def hsts(p: Platform) -> bool:
    return "strict-transport-security" in p.client.get("/api/health").headers


def rate_limit(p: Platform) -> bool:
    statuses = [
        p.client.post("/api/chat", json={"message": f"Test message {i}"}).status_code
        for i in range(101)
    ]
    return 429 in statuses


def admin_endpoints_closed(p: Platform) -> bool:
    response = p.client.post(
        "/api/services", json={"name": "Sneaky service", "durationMinutes": 30, "price": 1}
    )
    return response.status_code == 401


def _unsigned_admin_token() -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "iat": now, "exp": now + 600}
    return f"{part({'alg': 'none'})}.{part(claims)}."


def unsigned_jwt_refused(p: Platform) -> bool:
    response = p.client.get(
        "/api/bookings", headers={"Authorization": f"Bearer {_unsigned_admin_token()}"}
    )
    return response.status_code == 401


def object_level_authorisation(p: Platform) -> bool:
    booking = p.book(headers=p.auth("customer")).json()
    response = p.client.get(f"/api/bookings/{booking['id']}", headers=p.auth("customer2"))
    return response.status_code == 403


def input_validation(p: Platform) -> bool:
    chat = p.client.post("/api/chat", json={"message": '<script>alert("xss")</script>'})
    day, slot = p.free_slot()
    body = booking_body(day, slot)
    body["customerDetails"]["name"] = "<b>injected</b>"
    booking = p.client.post("/api/bookings", json=body)
    if booking.status_code == 201:
        page = p.client.get(f"/book/confirmation/{booking.json()['reference']}").text
        assert "<b>injected</b>" in page, "the fault should reflect the markup unescaped"
    return chat.status_code in (400, 422) and booking.status_code == 422


def no_stack_traces(p: Platform) -> bool:
    response = p.client.post("/api/bookings", json={"test": "payload"})
    return response.status_code == 422 and "Traceback" not in response.text


def no_double_booking(p: Platform) -> bool:
    day, slot = p.free_slot("manicure")
    first = p.client.post("/api/bookings", json=booking_body(day, slot, "manicure"))
    second = p.client.post("/api/bookings", json=booking_body(day, slot, "manicure"))
    assert first.status_code == 201, first.text
    return second.status_code == 409


def fast_api(p: Platform) -> bool:
    # Not a speed measurement: the fault sleeps 300 ms in every /api response, so with it no
    # response can come sooner (a floor, whatever the machine). Without it one of ten answers
    # in under 300 ms however busy the machine (they take about a millisecond).
    fastest = min(p.client.get("/api/services").elapsed.total_seconds() for _ in range(10))
    return fastest < SLOW_API_DELAY_S


def _submit_booking_form(p: Platform) -> str:
    day, slot = p.free_slot()
    response = p.client.post(
        "/book",
        follow_redirects=True,
        data={
            "service": "haircut",
            "date": day,
            "time": slot,
            "name": "Jo Soap",
            "email": "jo@example.com",
            "phone": "+27123456789",
        },
    )
    assert response.status_code == 200, response.text
    return response.text


def confirmation_shown(p: Platform) -> bool:
    page = _submit_booking_form(p)
    return bool(re.search(r'data-testid="booking-reference">BK[A-Z0-9]{8}<', page))


def payments_succeed(p: Platform) -> bool:
    booking = p.book().json()
    response = p.client.post(
        "/api/payments",
        json={
            "bookingId": booking["id"],
            "cardNumber": "4242424242424242",
            "expiry": "12/34",
            "cvc": "123",
        },
    )
    return response.status_code == 201


def decline_card_declined(p: Platform) -> bool:
    booking = p.book().json()
    response = p.client.post(
        "/api/payments",
        json={
            "bookingId": booking["id"],
            "cardNumber": "4000000000000002",
            "expiry": "12/34",
            "cvc": "123",
        },
    )
    return response.status_code == 402


def labelled_forms(p: Platform) -> bool:
    day, slot = p.free_slot()
    page = p.client.get("/book", params={"service": "haircut", "date": day, "time": slot}).text
    return all(f'<label for="{name}">' in page for name in ("name", "email", "phone")) and (
        'alt=""' in page
    )


def mobile_menu_wired(p: Platform) -> bool:
    # The page's script wires the toggle unless the body is marked for the fault.
    return "data-menu-broken" not in p.client.get("/").text


def service_cards_usable(p: Platform) -> bool:
    page = p.client.get("/book").text
    mobile = re.findall(r'data-testid="service-card-mobile"\s+href="([^"]+)"', page)
    desktop = re.findall(r'<a class="card" data-testid="service-card"[^>]*>', page)
    return (
        bool(mobile and desktop)
        and all("?service=" in href for href in mobile)
        and not any('tabindex="-1"' in tag for tag in desktop)
    )


def database_up(p: Platform) -> bool:
    health = p.client.get("/api/health")
    services = p.client.get("/api/services")
    if health.status_code == 503:
        assert health.json()["checks"]["database"][0]["status"] == "fail"
        assert services.status_code == 503
        assert services.json() == {"error": "database unavailable"}
    return health.status_code == 200 and services.status_code == 200


def providers_up(p: Platform) -> bool:
    checks = p.client.get("/api/health").json()["checks"]
    return all(checks[name][0]["status"] == "pass" for name in ("payment", "email", "sms"))


def _schema(p: Platform) -> tuple[str, set[str]]:
    engine = sa.create_engine(p.settings.database_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM schema_migrations")).scalar_one()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("bookings")}
    engine.dispose()
    return version, columns


def current_schema(p: Platform) -> bool:
    return _schema(p)[0] == SCHEMA_VERSION


def complete_schema(p: Platform) -> bool:
    assert p.book().status_code == 201  # the app keeps working without the column
    return "notes" in _schema(p)[1]


def slot_times_are_hh_mm(p: Platform) -> bool:
    day, _ = p.free_slot()
    slots = p.client.get(f"/api/availability/haircut/{day}").json()["slots"]
    return all(re.fullmatch(r"\d\d:\d\d", slot["time"]) for slot in slots)


def claims_of_a_day_use_an_index(p: Platform) -> bool:
    # The planner's own words: "SCAN slot_claims" is a full scan, "SEARCH ... USING INDEX" is not.
    engine = sa.create_engine(p.settings.database_url)
    with engine.connect() as conn:
        plan = conn.execute(
            sa.text("EXPLAIN QUERY PLAN SELECT slot_time FROM slot_claims WHERE slot_date = :day"),
            {"day": "2026-12-01"},
        ).all()
    engine.dispose()
    return any("USING INDEX ix_slot_claims_slot_date" in row[-1] for row in plan)


def _login_as(p: Platform, email: str) -> httpx.Response:
    return p.client.post("/api/auth/login", json={"email": email, "password": "not-it-1"})


def parameterised_login(p: Platform) -> bool:
    # A quote is only text to a parameterised query: a plain failed login.
    return _login_as(p, "x'").status_code == 401


def database_errors_hidden(p: Platform) -> bool:
    response = _login_as(p, "x'")
    return response.status_code == 401 and "unrecognized token" not in response.text


def no_timing_oracle(p: Platform) -> bool:
    # The blind fault answers like a clean login (its proof in the suite is the sleep); here,
    # without a clock, the injection shows by a UNION that logs in with a hash of our choosing.
    forged = hash_password("not-it-1")
    response = _login_as(p, f"nobody' UNION SELECT 1, 'admin', '{forged}' -- ")
    return response.status_code == 401


def parameterised_booking_lookups(p: Platform) -> bool:
    # A quote in an id is only text to a parameterised query: not found, not a database error.
    customer = p.auth("customer")
    day, slot = p.free_slot()
    booking = booking_body(day, slot) | {"serviceId": "x'"}
    payment = {"bookingId": "x'", "cardNumber": "4242424242424242", "expiry": "12/34", "cvc": "123"}
    statuses = (
        p.client.get("/api/bookings/x%27", headers=customer).status_code,
        p.client.post("/api/bookings", json=booking).status_code,
        p.client.post("/api/payments", json=payment).status_code,
    )
    if any(status >= 500 for status in statuses):
        # The fault pastes the id into all three queries: each one breaks.
        assert all(status >= 500 for status in statuses), statuses
    return statuses == (404, 422, 404)


def body_limit(p: Platform) -> bool:
    # Past the limit but valid JSON: only the size can refuse it (413), not the validation.
    padded = {"message": "hello", "padding": "x" * 70_000}
    return p.client.post("/api/chat", json=padded).status_code == 413


def chat_text_is_not_a_template(p: Platform) -> bool:
    reply = p.client.post("/api/chat", json={"message": "{{9187*7411}}"}).json()["reply"]
    return "68084857" not in reply


PROTECTIONS: dict[str, Callable[[Platform], bool]] = {
    "no-security-headers": security_headers,
    "no-hsts": hsts,
    "no-rate-limit": rate_limit,
    "open-admin-endpoints": admin_endpoints_closed,
    "accept-unsigned-jwt": unsigned_jwt_refused,
    "bola": object_level_authorisation,
    "no-input-validation": input_validation,
    "leaky-500s": no_stack_traces,
    "no-body-limit": body_limit,
    "double-booking": no_double_booking,
    "slow-api": fast_api,
    "providers-down": providers_up,
    "payment-never-declines": decline_card_declined,
    "broken-confirmation": confirmation_shown,
    "payment-always-declines": payments_succeed,
    "inaccessible-forms": labelled_forms,
    "broken-mobile-menu": mobile_menu_wired,
    "broken-service-cards": service_cards_usable,
    "database-down": database_up,
    "stale-schema": current_schema,
    "drop-column": complete_schema,
    "unindexed-claims": claims_of_a_day_use_an_index,
    "slot-times-with-seconds": slot_times_are_hh_mm,
    "sql-injection": parameterised_login,
    "sql-error-messages": database_errors_hidden,
    "blind-sql-injection": no_timing_oracle,
    "sql-injection-bookings": parameterised_booking_lookups,
    "template-injection": chat_text_is_not_a_template,
}


# Protections a platform only has over https: proven on platforms serving TLS.
OVER_TLS = frozenset({"no-hsts"})


def test_every_fault_has_a_proof() -> None:
    # The session profile's own faults are proven in test_session_routes.py.
    assert set(PROTECTIONS) == FAULTS - SESSION_FAULTS


@pytest.mark.parametrize("fault", sorted(PROTECTIONS))
def test_fault_removes_its_protection(
    start_platform: StartPlatform, platform: Platform, fault: str
) -> None:
    protected = PROTECTIONS[fault]
    tls = fault in OVER_TLS
    # Given a clean platform (a fresh one where the probe uses up a rate limit, or one serving
    # https for an https-only protection), it holds.
    clean = start_platform(tls=tls) if fault == "no-rate-limit" or tls else platform
    assert protected(clean), f"clean platform lacks the protection {fault} removes"
    # When the fault is switched on, it is gone.
    faulty = start_platform(tls=tls, faults=frozenset({fault}))
    assert not protected(faulty), f"{fault} changed nothing"


def test_hsts_is_sent_over_https_only(platform: Platform, start_platform: StartPlatform) -> None:
    # Over http a browser ignores Strict-Transport-Security, and real platforms do not send it.
    assert "strict-transport-security" not in platform.client.get("/api/health").headers
    secure = start_platform(tls=True)
    assert secure.url.startswith("https://127.0.0.1:")
    header = secure.client.get("/api/health").headers["strict-transport-security"]
    assert header == "max-age=63072000; includeSubDomains"


def test_leaky_500s_shows_a_stack_trace(start_platform: StartPlatform) -> None:
    leaky = start_platform(faults=frozenset({"leaky-500s"}))
    response = leaky.client.post("/api/bookings", json={"test": "payload"})
    assert response.status_code == 500 and "Traceback (most recent call last)" in response.text


def test_payment_always_declines_on_the_page_too(start_platform: StartPlatform) -> None:
    faulty = start_platform(faults=frozenset({"payment-always-declines"}))
    reference = faulty.book().json()["reference"]
    page = faulty.client.post(
        f"/pay/{reference}",
        data={"card": "4242424242424242", "expiry": "12/34", "cvc": "123", "key": "k"},
    )
    assert page.status_code == 402 and 'data-testid="payment-declined"' in page.text
