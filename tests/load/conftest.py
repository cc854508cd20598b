"""Fixtures of the load tests: the loopback booking stub, shared per session."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from booking_stub import BookingStub


@pytest.fixture(scope="session")
def booking_stub() -> Iterator[BookingStub]:
    server = BookingStub()
    thread = threading.Thread(target=server.serve_forever, name="booking-stub", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stub(booking_stub: BookingStub) -> Iterator[BookingStub]:
    """The shared stub, with no bookings left by another test and its knobs reset after each."""
    booking_stub.bookings.clear()
    booking_stub.created = 0
    yield booking_stub
    booking_stub.delay_s = 0.0
    booking_stub.delay_per_request_s = 0.0
    booking_stub.fail_bookings = False
    booking_stub.max_in_flight = 0
