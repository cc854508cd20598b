"""The JSON API of DESIGN §6 over real HTTP against the clean platform."""

from __future__ import annotations

import base64
import json
import time
from datetime import date, timedelta

import jwt
import pytest
from refapp_support import JWT_SECRET, Platform, StartPlatform, booking_body


def test_health_reports_every_component_as_health_json(platform: Platform) -> None:
    response = platform.client.get("/api/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/health+json"
    body = response.json()
    assert body["status"] == "pass"
    assert set(body["checks"]) == {"database", "payment", "email", "sms"}
    database = body["checks"]["database"][0]
    assert database["status"] == "pass" and database["observedUnit"] == "ms"


def test_services_and_employees_are_public_lists(platform: Platform) -> None:
    services = platform.client.get("/api/services").json()
    assert {"id", "name", "description", "durationMinutes", "price", "currency"} <= set(services[0])
    assert {s["id"] for s in services} >= {"haircut", "massage"}
    employees = platform.client.get("/api/employees").json()
    assert {"id", "name", "role", "serviceIds", "workingHours"} <= set(employees[0])


@pytest.mark.parametrize("path", ["/api/services", "/api/employees"])
def test_catalogue_writes_are_admin_only(platform: Platform, path: str) -> None:
    anonymous = platform.client.post(path, json={"test": "payload"})
    customer = platform.client.post(
        path, json={"test": "payload"}, headers=platform.auth("customer")
    )
    assert (anonymous.status_code, customer.status_code) == (401, 403)
    assert anonymous.json()["error"] and customer.json()["error"]


def test_admin_adds_a_service_and_an_employee_who_offers_it(start_platform: StartPlatform) -> None:
    # Its own platform: the new service and employee must not leak into other tests' catalogue.
    platform = start_platform()
    # Availability is asked before and between the changes: the platform caches its catalogue,
    # and each admin change must show up in the very next answer.
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    availability = f"/api/availability/beard-trim/{monday}"
    assert platform.client.get(availability).status_code == 404
    admin = platform.auth("admin")
    service = platform.client.post(
        "/api/services",
        headers=admin,
        json={"id": "beard-trim", "name": "Beard trim", "durationMinutes": 30, "price": 120},
    )
    assert service.status_code == 201, service.text
    unstaffed = platform.client.get(availability)
    assert unstaffed.status_code == 200, f"a new service is unknown to availability: {unstaffed}"
    assert unstaffed.json()["slots"] == []
    employee = platform.client.post(
        "/api/employees",
        headers=admin,
        json={
            "id": "kagiso",
            "name": "Kagiso",
            "role": "Barber",
            "serviceIds": ["beard-trim"],
            "workingHours": {
                day: {"start": "09:00", "end": "12:00"}
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
            },
        },
    )
    assert employee.status_code == 201, employee.text
    staffed = platform.client.get(availability).json()["slots"]
    assert staffed[:1] == [{"time": "09:00", "employeeId": "kagiso"}], (
        f"a new employee's hours are missing from availability: {staffed}"
    )


def test_availability_overview_and_slots(platform: Platform) -> None:
    overview = platform.client.get("/api/availability")
    assert overview.status_code == 200 and overview.json()["services"]
    day = date.today() + timedelta(days=7)
    body = platform.client.get(f"/api/availability/massage/{day}").json()
    assert body["serviceId"] == "massage" and body["date"] == day.isoformat()
    assert isinstance(body["slots"], list)


def test_availability_errors_are_json(platform: Platform) -> None:
    # The seed asks for "test-service-id": an unknown service is a 404, not an empty list.
    unknown = platform.client.get("/api/availability/test-service-id/2025-01-15")
    bad_date = platform.client.get("/api/availability/haircut/15-01-2025")
    assert (unknown.status_code, bad_date.status_code) == (404, 400)
    assert "test-service-id" in unknown.json()["error"]
    assert "YYYY-MM-DD" in bad_date.json()["error"]


def test_booking_is_created_and_its_slot_disappears(platform: Platform) -> None:
    day, slot = platform.free_slot("massage")
    response = platform.client.post("/api/bookings", json=booking_body(day, slot, "massage"))
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["reference"].startswith("BK") and booking["status"] == "confirmed"
    times = [
        s["time"] for s in platform.client.get(f"/api/availability/massage/{day}").json()["slots"]
    ]
    assert slot not in times
    again = platform.client.post("/api/bookings", json=booking_body(day, slot, "massage"))
    assert again.status_code == 409 and again.json()["error"]


def test_longer_booking_blocks_overlapping_starts(platform: Platform) -> None:
    day, slot = platform.free_slot("colour")  # 90 minutes, same stylist as haircut
    assert platform.client.post("/api/bookings", json=booking_body(day, slot, "colour")).is_success
    half_hour_later = (
        f"{int(slot[:2]) + (int(slot[3:]) + 30) // 60:02d}:{(int(slot[3:]) + 30) % 60:02d}"
    )
    overlap = platform.client.post(
        "/api/bookings", json=booking_body(day, half_hour_later, "haircut")
    )
    assert overlap.status_code == 409


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"test": "payload"}, 422),
        ({"scheduledDate": "2025-01-15"}, 422),  # in the past
        ({"scheduledDate": "not-a-date"}, 400),
        ({"scheduledTime": "25:00"}, 422),
        ({"serviceId": "test-service-id"}, 422),
        ({"customerDetails": {"name": "A", "email": "nope", "phone": "+27123456789"}}, 422),
        ({"customerDetails": {"name": "<b>x</b>", "email": "a@b.co", "phone": "+2712345678"}}, 422),
    ],
)
def test_invalid_bookings_are_rejected_with_an_error(
    platform: Platform, change: dict[str, object], status: int
) -> None:
    day, slot = platform.free_slot()
    body = {"test": "payload"} if "test" in change else booking_body(day, slot) | change
    response = platform.client.post("/api/bookings", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_owner_and_admin_read_a_booking_others_cannot(platform: Platform) -> None:
    owner = platform.auth("customer")
    booking = platform.book(headers=owner).json()
    path = f"/api/bookings/{booking['id']}"
    assert platform.client.get(path, headers=owner).json()["reference"] == booking["reference"]
    assert platform.client.get(path, headers=platform.auth("admin")).status_code == 200
    other = platform.client.get(path, headers=platform.auth("customer2"))
    assert other.status_code == 403 and other.json()["error"]
    assert platform.client.get(path).status_code == 401
    mine = platform.client.get("/api/bookings", headers=owner).json()
    assert booking["id"] in {b["id"] for b in mine}
    assert booking["id"] not in {
        b["id"]
        for b in platform.client.get("/api/bookings", headers=platform.auth("customer2")).json()
    }


def test_cancelling_frees_the_slot(platform: Platform) -> None:
    owner = platform.auth("customer")
    booking = platform.book(headers=owner).json()
    denied = platform.client.post(
        f"/api/bookings/{booking['id']}/cancel", headers=platform.auth("customer2")
    )
    assert denied.status_code == 403
    cancelled = platform.client.post(f"/api/bookings/{booking['id']}/cancel", headers=owner)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    rebooked = platform.client.post(
        "/api/bookings", json=booking_body(booking["scheduledDate"], booking["scheduledTime"])
    )
    assert rebooked.status_code == 201


def test_login_issues_a_short_lived_hs256_token(platform: Platform) -> None:
    response = platform.client.post(
        "/api/auth/login", json={"email": "customer@test.com", "password": "TestCustomer123!"}
    )
    body = response.json()
    assert body["tokenType"] == "Bearer" and body["role"] == "customer"
    claims = jwt.decode(body["accessToken"], JWT_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == body["expiresIn"] == 900
    wrong = platform.client.post(
        "/api/auth/login", json={"email": "customer@test.com", "password": "nope"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"]


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("kind", ["alg-none", "wrong-secret", "expired", "garbage"])
def test_forged_or_expired_tokens_are_refused(platform: Platform, kind: str) -> None:
    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "iat": now, "exp": now + 600}
    token = {
        "alg-none": _unsigned(claims),
        "wrong-secret": jwt.encode(claims, "not-the-secret-at-all-0123456789abcdef", "HS256"),
        "expired": jwt.encode(claims | {"exp": now - 10}, JWT_SECRET, "HS256"),
        "garbage": "abc.def.ghi",
    }[kind]
    response = platform.client.get("/api/bookings", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["error"]


def test_payment_test_cards(platform: Platform) -> None:
    booking = platform.book().json()
    card = {"bookingId": booking["id"], "expiry": "12/34", "cvc": "123"}
    declined = platform.client.post(
        "/api/payments", json=card | {"cardNumber": "4000 0000 0000 0002"}
    )
    assert declined.status_code == 402
    assert declined.json()["error"] == "Your card was declined."
    paid = platform.client.post("/api/payments", json=card | {"cardNumber": "4242 4242 4242 4242"})
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded"
    twice = platform.client.post("/api/payments", json=card | {"cardNumber": "4242424242424242"})
    assert twice.status_code == 409


@pytest.mark.parametrize(
    ("card", "expiry", "message"),
    [
        ("4242424242424241", "12/34", "Luhn"),
        ("4242424242424242", "01/20", "expired"),
        ("4242424242424242", "13/30", "MM/YY"),
    ],
)
def test_invalid_cards_are_422(platform: Platform, card: str, expiry: str, message: str) -> None:
    booking = platform.book().json()
    response = platform.client.post(
        "/api/payments",
        json={
            "bookingReference": booking["reference"],
            "cardNumber": card,
            "expiry": expiry,
            "cvc": "123",
        },
    )
    assert response.status_code == 422 and message in response.json()["error"]


def test_idempotency_key_replays_without_a_second_charge(platform: Platform) -> None:
    booking = platform.book().json()
    body = {
        "bookingId": booking["id"],
        "cardNumber": "4242424242424242",
        "expiry": "12/34",
        "cvc": "123",
    }
    key = {"Idempotency-Key": f"pay-{booking['id']}"}
    first = platform.client.post("/api/payments", json=body, headers=key)
    second = platform.client.post("/api/payments", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = platform.client.post(
        "/api/payments", json=body | {"cardNumber": "5555555555554444"}, headers=key
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]


def test_chat_answers_and_validates(platform: Platform) -> None:
    ok = platform.client.post("/api/chat", json={"message": "How much is a haircut?"})
    assert ok.status_code == 200 and ok.json()["reply"]
    for message in [
        '<script>alert("xss")</script>',
        "'; DROP TABLE users; --",
        "../../../etc/passwd",
    ]:
        response = platform.client.post("/api/chat", json={"message": message})
        assert response.status_code in (400, 422), message
        assert response.json()["error"]


def test_chat_is_rate_limited_with_retry_after(start_platform: StartPlatform) -> None:
    limited = start_platform()
    statuses = [
        limited.client.post("/api/chat", json={"message": f"Test message {i}"}) for i in range(101)
    ]
    refused = [r for r in statuses if r.status_code == 429]
    assert len(refused) == 1
    assert int(refused[0].headers["Retry-After"]) >= 1 and refused[0].json()["error"]


def test_ai_endpoint_is_admin_only_and_has_no_model(platform: Platform) -> None:
    assert platform.client.post("/api/ai/ollama", json={"test": "payload"}).status_code == 401
    assert (
        platform.client.post(
            "/api/ai/ollama", json={}, headers=platform.auth("customer")
        ).status_code
        == 403
    )
    admin = platform.client.post(
        "/api/ai/ollama", json={"prompt": "hi"}, headers=platform.auth("admin")
    )
    assert admin.status_code == 503 and "no AI model" in admin.json()["error"]


def test_every_seed_endpoint_refuses_an_anonymous_test_payload(platform: Platform) -> None:
    for path in ["/api/bookings", "/api/chat", "/api/ai/ollama", "/api/employees", "/api/services"]:
        response = platform.client.post(path, json={"test": "payload"})
        assert response.status_code >= 400, path
        assert response.json()["error"], path


def test_errors_are_json_with_the_right_status(platform: Platform) -> None:
    client = platform.client
    json_type = {"content-type": "application/json"}
    cases = {
        404: client.get("/api/nope"),
        405: client.delete("/api/services"),
        400: client.post("/api/chat", content=b'{"message": ', headers=json_type),
        413: client.post(
            "/api/chat", content=b'{"message": "' + b"a" * 70_000 + b'"}', headers=json_type
        ),
    }
    for status, response in cases.items():
        assert response.status_code == status
        assert response.json()["error"]
        assert "Traceback" not in response.text


def test_security_headers_on_api_and_pages(platform: Platform) -> None:
    for path in ["/api/health", "/book", "/api/nope", "/static/site.css"]:
        headers = platform.client.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-xss-protection"] == "1; mode=block"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "server" not in headers and "x-powered-by" not in headers
        assert "strict-transport-security" not in headers
    https = platform.client.get("/api/health", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in https.headers["strict-transport-security"]


def test_cors_never_reflects_an_origin(platform: Platform) -> None:
    response = platform.client.get("/api/services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_openapi_describes_the_api_and_docs_ui_is_off(platform: Platform) -> None:
    paths = platform.client.get("/openapi.json").json()["paths"]
    assert {"/api/bookings", "/api/availability/{service_id}/{day}", "/api/payments"} <= set(paths)
    assert platform.client.get("/docs").status_code == 404


def test_schema_version_is_recorded(platform: Platform) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(platform.settings.database_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM schema_migrations")).scalar_one()
    engine.dispose()
    assert version == "2026.11.1"
