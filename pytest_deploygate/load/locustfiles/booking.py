"""Locust traffic for the booking platform: browse services, check availability, book and cancel.

Run by pytest-deploygate in a subprocess (never imported into pytest: Locust monkey-patches the
process with gevent). The ``--dg-*`` options are Locust custom arguments, so a master forwards them
to its workers, including workers on other machines (``locust -f booking.py --worker``).

Booking and cancelling only happen with ``--dg-destructive`` and a signed-in customer in
``DEPLOYGATE_LOAD_AUTH`` (an environment variable, so it never shows in a process list): JSON
``{"headers": {...}, "cookies": [[name, value], ...], "extra_headers": {"bookings": {...},
"cancel": {...}}}``. Both requests carry those headers and cookies, and the CSRF token (the
``--dg-csrf-cookie`` cookie's value) in ``--dg-csrf-header``, or in ``--dg-csrf-field`` of a form
body. The booking body is the seed's, renamed by ``--dg-fields`` and sent as ``--dg-body`` (JSON
or a form). The platform lets only the owner cancel, and every booking made is cancelled.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import urllib.parse
from typing import Any

from locust import FastHttpUser, task

import pytest_deploygate.load.locustfiles.arguments  # noqa: F401 - registers the --dg-* arguments
from pytest_deploygate.bodies import unflatten
from pytest_deploygate.load.config import AUTH_VARIABLE


def _items(body: Any, key: str) -> list[Any]:
    """A list answer, bare or wrapped as ``{key: [...]}``."""
    if isinstance(body, dict):
        body = body.get(key, [])
    return body if isinstance(body, list) else []


def _slot_time(slot: Any) -> str | None:
    if isinstance(slot, str):
        return slot
    if isinstance(slot, dict) and slot.get("available", True):
        value = slot.get("time") or slot.get("start")
        return str(value) if value else None
    return None


class SignedIn:
    """The customer of ``DEPLOYGATE_LOAD_AUTH`` as the booking and cancel requests send it."""

    def __init__(self, text: str, options: Any) -> None:
        given = json.loads(text) if text.strip() else {}
        headers = {str(k): str(v) for k, v in (given.get("headers") or {}).items()}
        cookies = {str(name): str(value) for name, value in given.get("cookies") or []}
        self.present = bool(headers or cookies)
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.csrf = cookies.get(options.dg_csrf_cookie, "") if options.dg_csrf_cookie else ""
        if self.csrf and options.dg_csrf_header:
            headers[options.dg_csrf_header] = self.csrf
        extra = given.get("extra_headers") or {}
        self.headers = {
            name: {**(extra.get(name) or {}), **headers} for name in ("bookings", "cancel")
        }

    def booking(self, flat: dict[str, Any], options: Any) -> tuple[dict[str, str], str]:
        """The headers and body of a booking of ``flat`` (the seed's flat field names)."""
        fields = json.loads(options.dg_fields or "{}")
        renamed = {fields.get(key, key): value for key, value in flat.items()}
        headers = {"Accept": "application/json", **self.headers["bookings"]}
        if options.dg_body == "form":
            if self.csrf and options.dg_csrf_field:
                renamed.setdefault(options.dg_csrf_field, self.csrf)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return headers, urllib.parse.urlencode(renamed)
        headers["Content-Type"] = "application/json"
        return headers, json.dumps(unflatten(renamed))


class BookingVisitor(FastHttpUser):
    """A visitor of the booking site; think time between actions, like the seed's 2-5 s."""

    def wait_time(self) -> float:
        options = self.environment.parsed_options
        return random.uniform(options.dg_think_min, options.dg_think_max)

    def on_start(self) -> None:
        self.service_ids: list[Any] = []
        self.customer = SignedIn(os.environ.get(AUTH_VARIABLE, ""), self._options)

    @property
    def _options(self) -> Any:
        return self.environment.parsed_options

    def _fetch_services(self) -> None:
        with self.client.get(
            self._options.dg_services_path, name="GET services", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"services answered {response.status_code}")
                return
            services = _items(response.json(), "services")
            self.service_ids = [s["id"] for s in services if isinstance(s, dict) and "id" in s]
            if not self.service_ids:
                response.failure("services answered an empty list")

    def _availability(self, service_id: Any, date: str) -> list[str]:
        path = self._options.dg_availability_path.format(serviceId=service_id, date=date)
        with self.client.get(path, name="GET availability", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"availability answered {response.status_code}")
                return []
            slots = _items(response.json(), "slots")
            return [t for t in map(_slot_time, slots) if t]

    @staticmethod
    def _random_date() -> str:
        # Spread over the months ahead so concurrent visitors rarely want one slot.
        days = random.randint(14, 300)
        return (dt.date.today() + dt.timedelta(days=days)).isoformat()

    @task(5)
    def browse_services(self) -> None:
        self._fetch_services()

    @task(3)
    def check_availability(self) -> None:
        if not self.service_ids:
            self._fetch_services()
        if self.service_ids:
            self._availability(random.choice(self.service_ids), self._random_date())

    @task(1)
    def book_and_cancel(self) -> None:
        if not (self._options.dg_destructive and self.customer.present):
            return
        if not self.service_ids:
            self._fetch_services()
        if not self.service_ids:
            return
        service_id = random.choice(self.service_ids)
        date = self._random_date()
        times = self._availability(service_id, date)
        if not times:
            return
        tag = f"deploygate-{self._options.dg_run_id}"
        headers, body = self.customer.booking(
            {
                "serviceId": service_id,
                "scheduledDate": date,
                "scheduledTime": random.choice(times),
                "customerDetails.name": "Load Test Visitor",
                "customerDetails.email": f"{tag}-{random.randrange(10**9)}@example.test",
                "customerDetails.phone": "+15555550100",
                "notes": tag,
            },
            self._options,
        )
        # No redirects: a platform that sends an unsigned visitor to its login page must show
        # as a failed booking, not as the login page's 200.
        with self.client.post(
            self._options.dg_bookings_path,
            data=body,
            headers=headers,
            allow_redirects=False,
            name="POST bookings",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                # Another visitor took the slot first: the contract's correct answer, not an error.
                response.success()
                return
            if response.status_code != 201:
                response.failure(f"booking answered {response.status_code}")
                return
            booking = response.json()
        path = self._options.dg_cancel_path.format(id=booking["id"])
        with self.client.post(
            path,
            headers=self.customer.headers["cancel"],
            allow_redirects=False,
            name="POST cancel",
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 204):
                response.failure(f"cancel answered {response.status_code}")
