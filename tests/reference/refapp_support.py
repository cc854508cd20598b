"""Helpers shared by the reference platform's tests (a module, so tests can import it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from pytest_deploygate.reference import LiveServer, Settings

JWT_SECRET = "reference-app-tests-secret-0123456789abcdef"


@dataclass
class Platform:
    """A running reference platform and a client for it."""

    server: LiveServer
    settings: Settings
    client: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, email: str, password: str) -> str:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["accessToken"])

    def auth(self, role: str) -> dict[str, str]:
        s = self.settings
        email, password = {
            "admin": (s.admin_email, s.admin_password),
            "customer": (s.customer_email, s.customer_password),
            "customer2": (s.second_customer_email, s.second_customer_password),
        }[role]
        return {"Authorization": f"Bearer {self.token(email, password)}"}

    def free_slot(self, service_id: str = "haircut", skip: int = 0) -> tuple[str, str]:
        """A (date, time) that is free now, from day+2 on; skip picks a later one."""
        day = date.today() + timedelta(days=2)
        for _ in range(366):  # bounded: a platform with no free slot is an error, not a hang
            slots = self.client.get(f"/api/availability/{service_id}/{day}").json()["slots"]
            if len(slots) > skip:
                return day.isoformat(), slots[skip]["time"]
            skip -= len(slots)
            day += timedelta(days=1)
        raise AssertionError(f"no free {service_id} slot within a year")

    def book(self, headers: dict[str, str] | None = None, **overrides: Any) -> httpx.Response:
        day, time = self.free_slot(overrides.pop("service_id", "haircut"))
        body = booking_body(day, time) | overrides
        return self.client.post("/api/bookings", json=body, headers=headers or {})


def booking_body(day: str, time: str, service_id: str = "haircut") -> dict[str, Any]:
    return {
        "serviceId": service_id,
        "scheduledDate": day,
        "scheduledTime": time,
        "customerDetails": {
            "name": "Test Customer",
            "email": "test@example.com",
            "phone": "+27123456789",
        },
    }


StartPlatform = Callable[..., Platform]
