"""Locust traffic for the booking platform: browse services, check availability, book and cancel.

Run by pytest-deploygate in a subprocess (never imported into pytest: Locust monkey-patches the
process with gevent). The ``--dg-*`` options are Locust custom arguments, so a master forwards them
to its workers, including workers on other machines (``locust -f booking.py --worker``).
Booking and cancelling only happen with ``--dg-destructive`` and a customer's bearer token in
``DEPLOYGATE_LOAD_TOKEN`` (an environment variable, so it never shows in a process list); the
platform lets only the owner cancel, and every booking made is cancelled.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from typing import Any

from locust import FastHttpUser, task

import pytest_deploygate.load.locustfiles.arguments  # noqa: F401 - registers the --dg-* arguments


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


class BookingVisitor(FastHttpUser):
    """A visitor of the booking site; think time between actions, like the seed's 2-5 s."""

    def wait_time(self) -> float:
        options = self.environment.parsed_options
        return random.uniform(options.dg_think_min, options.dg_think_max)

    def on_start(self) -> None:
        self.service_ids: list[Any] = []
        token = os.environ.get("DEPLOYGATE_LOAD_TOKEN", "")
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}

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
        if not (self._options.dg_destructive and self.auth):
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
        payload = {
            "serviceId": service_id,
            "scheduledDate": date,
            "scheduledTime": random.choice(times),
            "customerDetails": {
                "name": "Load Test Visitor",
                "email": f"{tag}-{random.randrange(10**9)}@example.test",
                "phone": "+15555550100",
            },
            "notes": tag,
        }
        with self.client.post(
            self._options.dg_bookings_path,
            json=payload,
            headers=self.auth,
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
            path, headers=self.auth, name="POST cancel", catch_response=True
        ) as response:
            if response.status_code not in (200, 204):
                response.failure(f"cancel answered {response.status_code}")
