"""No double booking under concurrency: the database constraint decides, not a Python lock."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
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
