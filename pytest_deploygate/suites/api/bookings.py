"""Test bookings: find a free slot, book it under the run's name, cancel everything at the end."""

from __future__ import annotations

import datetime as dt
import random
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pytest_deploygate.config.contract import ApiContract
from pytest_deploygate.suites.api.evidence import json_body, shown

# Days to scan for a free slot before giving up; a platform that is fully booked for a month
# ahead cannot host destructive tests without disturbing real customers anyway.
_SEARCH_DAYS = 30


@dataclass(frozen=True)
class Slot:
    service_id: str
    date: str
    time: str
    employee_id: str | None = None


@dataclass(frozen=True)
class Booking:
    id: str
    reference: str
    slot: Slot
    body: dict[str, Any]


@dataclass
class BookingFactory:
    """Books free slots named after the run (`deploygate-<run id>`) and cancels them at teardown."""

    contract: ApiContract
    tag: str
    # Cancels bookings their creator may not cancel (guests'); a callable so the admin login
    # happens only when needed.
    admin: Callable[[], httpx.Client]
    # Each booking with its creator's base URL and Authorization header: the creator's client
    # may be closed before cleanup runs.
    created: list[tuple[Booking, str, str | None]] = field(default_factory=list)
    # The TLS context of the platform's clients (its [platform] ca_bundle), for cleanup.
    verify: ssl.SSLContext | bool = True
    _random: random.Random = field(default_factory=random.Random)
    _count: int = 0

    def service_ids(self, client: httpx.Client) -> list[str]:
        response = client.get(self.contract.services.url())
        assert response.status_code == 200, f"{self.contract.services} answered {shown(response)}"
        body = json_body(response)
        items = body.get("services", body) if isinstance(body, dict) else body
        ids = [str(item["id"]) for item in items or [] if isinstance(item, dict) and "id" in item]
        assert ids, f"{self.contract.services} lists no services with an 'id': {shown(response)}"
        return ids

    def slots(self, client: httpx.Client, service_id: str, date: str) -> list[Slot]:
        url = self.contract.availability.url(service_id=service_id, date=date)
        response = client.get(url)
        assert response.status_code == 200, f"GET {url} answered {shown(response)}"
        body = json_body(response)
        assert isinstance(body, dict) and isinstance(body.get("slots"), list), (
            f"GET {url} did not answer {{'slots': [...]}}: {shown(response)}"
        )
        return [
            Slot(service_id, date, str(slot["time"]), slot.get("employeeId"))
            if isinstance(slot, dict)
            else Slot(service_id, date, str(slot))
            for slot in body["slots"]
        ]

    def free_slot(self, client: httpx.Client, service_id: str | None = None) -> Slot:
        """A random free slot (random, so parallel workers on one platform rarely collide)."""
        services = [service_id] if service_id else self.service_ids(client)
        start = dt.date.today() + dt.timedelta(days=self.contract.booking_days_ahead)
        offsets = list(range(_SEARCH_DAYS))
        self._random.shuffle(offsets)
        for offset in offsets:
            date = (start + dt.timedelta(days=offset)).isoformat()
            for sid in services:
                free = self.slots(client, sid, date)
                if free:
                    return self._random.choice(free)
        raise AssertionError(
            f"no free slot for {services} in the {_SEARCH_DAYS} days from {start}; "
            f"is {self.contract.availability} working?"
        )

    def payload(self, slot: Slot, **overrides: Any) -> dict[str, Any]:
        self._count += 1
        body: dict[str, Any] = {
            "serviceId": slot.service_id,
            "scheduledDate": slot.date,
            "scheduledTime": slot.time,
            "customerDetails": {
                "name": f"{self.tag} customer {self._count}",
                "email": f"{self.tag}-{self._count}@example.com",
                "phone": "+27123456789",
            },
            "notes": self.tag,
        }
        body.update(overrides)
        return body

    def remember(
        self, client: httpx.Client, response: httpx.Response, slot: Slot, body: dict[str, Any]
    ) -> Booking | None:
        """Keep a 201's booking for cleanup, whoever sent the request."""
        data = json_body(response)
        if response.status_code != 201 or not isinstance(data, dict) or not data.get("id"):
            return None
        booking = Booking(str(data["id"]), str(data.get("reference", "")), slot, body)
        self.created.append((booking, str(client.base_url), client.headers.get("Authorization")))
        return booking

    def adopt(self, data: Any, base_url: str, authorization: str | None = None) -> None:
        """Take a booking created elsewhere (a schemathesis case, say) into cleanup."""
        if isinstance(data, dict) and data.get("id"):
            booking = Booking(str(data["id"]), str(data.get("reference", "")), Slot("", "", ""), {})
            self.created.append((booking, base_url, authorization))

    def create(self, client: httpx.Client, slot: Slot | None = None) -> Booking:
        """Book ``slot`` (or a free one) through ``client``; retries a slot lost to a race."""
        for _attempt in range(3):
            chosen = slot or self.free_slot(client)
            body = self.payload(chosen)
            response = client.post(self.contract.create_booking.url(), json=body)
            booking = self.remember(client, response, chosen, body)
            if response.status_code == 409 and slot is None:
                continue
            assert booking is not None, (
                f"{self.contract.create_booking} for {chosen} answered {shown(response)}, "
                "expected 201 with an id"
            )
            return booking
        raise AssertionError(f"{self.contract.create_booking}: three free slots were taken (409)")

    def cancel_all(self) -> list[str]:
        """Cancel what this factory created; the bookings that could not be cancelled."""
        left = []
        with httpx.Client(timeout=10.0, verify=self.verify) as client:
            for booking, base_url, authorization in self.created:
                path = self.contract.cancel_booking.url(booking_id=booking.id)
                headers = {"Authorization": authorization} if authorization else {}
                try:
                    response = client.post(base_url.rstrip("/") + path, headers=headers)
                    if response.status_code in (401, 403):  # a guest's booking: admin cancels
                        response = self.admin().post(path)
                except httpx.HTTPError as exc:
                    left.append(f"{booking.reference or booking.id} ({exc})")
                    continue
                # 409: already cancelled (by the test itself), which is what cleanup wants.
                if response.status_code >= 400 and response.status_code != 409:
                    left.append(f"{booking.reference or booking.id} ({shown(response)})")
        self.created.clear()
        return left
