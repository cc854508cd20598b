"""No double booking under concurrency: the database constraint decides, not a Python lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from refapp_support import Platform, StartPlatform, booking_body

CONCURRENT_REQUESTS = 50


async def _race(base_url: str, body: dict[str, object]) -> Counter[int]:
    limits = httpx.Limits(max_connections=CONCURRENT_REQUESTS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        responses = await asyncio.gather(
            *(client.post("/api/bookings", json=body) for _ in range(CONCURRENT_REQUESTS))
        )
    return Counter(r.status_code for r in responses)


def _assert_one_winner(platform: Platform) -> None:
    day, slot = platform.free_slot("massage", skip=3)
    statuses = asyncio.run(_race(platform.url, booking_body(day, slot, "massage")))
    assert statuses == {201: 1, 409: CONCURRENT_REQUESTS - 1}, statuses


def test_one_slot_fifty_requests_one_booking_on_sqlite(platform: Platform) -> None:
    _assert_one_winner(platform)


def test_one_slot_fifty_requests_one_booking_on_postgresql(
    start_platform: StartPlatform, postgres_url: str
) -> None:
    _assert_one_winner(start_platform(database_url=postgres_url))


def test_double_booking_fault_lets_concurrent_requests_through(
    start_platform: StartPlatform,
) -> None:
    faulty = start_platform(faults=frozenset({"double-booking"}))
    day, slot = faulty.free_slot("massage")
    statuses = asyncio.run(_race(faulty.url, booking_body(day, slot, "massage")))
    assert statuses[201] > 1, statuses


def test_a_booking_waiting_for_the_sqlite_lock_does_not_stall_other_requests(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another connection holds the write lock: the booking waits for it off the event loop."""
    day, slot = platform.free_slot("manicure", skip=2)
    holder = sqlite3.connect(platform.settings.database_url.removeprefix("sqlite:///"))
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    # The booking gives up the lock on the event loop and is handed to the writer thread:
    # that hand-off, not a sleep, says it has reached the lock.
    writer = platform.server.app.state.database._write_thread
    handed_over = threading.Event()
    submit = writer.submit

    def spied_submit(*args: Any, **kwargs: Any) -> Any:
        handed_over.set()
        return submit(*args, **kwargs)

    monkeypatch.setattr(writer, "submit", spied_submit)
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            booking = pool.submit(
                platform.client.post, "/api/bookings", json=booking_body(day, slot, "manicure")
            )
            assert handed_over.wait(60), "the booking never reached the SQLite write lock"
            try:
                other = httpx.get(f"{platform.url}/api/availability/massage/{day}", timeout=10)
            except httpx.TimeoutException:
                pytest.fail("a booking waiting for the SQLite write lock stalled the event loop")
            assert other.status_code == 200, other.text
            assert not booking.done(), "the booking finished while the write lock was held"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        response = booking.result(timeout=30)
    assert response.status_code == 201, f"a booking that had to wait for the lock: {response}"
