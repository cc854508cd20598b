"""A tiny booking API on loopback for the load runner's tests: real HTTP, switchable faults."""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The bearer token the stub accepts for booking and cancelling (a customer's, on the platform).
TOKEN = "stub-customer-token"
#: DEPLOYGATE_LOAD_AUTH of a customer signed in with that token (what the harness hands Locust).
AUTH = json.dumps({"headers": {"Authorization": f"Bearer {TOKEN}"}})


class BookingStub(ThreadingHTTPServer):
    """Services, availability, bookings and cancel on loopback.

    Knobs: ``delay_s`` slows every answer; ``delay_per_request_s`` adds that much per request in
    flight, so latency grows with the number of users (a platform with a breaking point);
    ``fail_bookings`` answers bookings with 500; ``max_in_flight`` answers 503 to a request that
    arrives while that many are already in flight (a capacity: it breaks by concurrency, not by
    how fast this machine happens to be). Booking and cancelling take the bearer ``TOKEN`` or the
    same value as an API key (``X-API-Key``); ``created`` counts the bookings made.
    """

    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs when ten users connect at once

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay_s = 0.0
        self.delay_per_request_s = 0.0
        self.fail_bookings = False
        self.max_in_flight = 0  # 0: no capacity limit
        self.in_flight = 0
        self.bookings: dict[int, str] = {}
        self.created = 0
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def pause(self) -> bool:
        """Hold the request as the knobs say; True when it arrived over capacity."""
        with self.lock:
            self.in_flight += 1
            over = bool(self.max_in_flight) and self.in_flight > self.max_in_flight
            delay = self.delay_s + self.delay_per_request_s * self.in_flight
        time.sleep(delay)
        with self.lock:
            self.in_flight -= 1
        return over

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: BookingStub
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without this, Nagle adds ~40 ms to answers.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _signed_in(self) -> bool:
        bearer = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        return bearer or self.headers.get("X-API-Key") == TOKEN

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.server.pause():
            self._send(503, {"error": "over capacity"})
        elif self.path == "/api/services":
            self._send(200, [{"id": 1, "name": "Haircut"}, {"id": 2, "name": "Massage"}])
        elif re.fullmatch(r"/api/availability/\d+/\d{4}-\d\d-\d\d", self.path):
            self._send(200, {"slots": ["09:00", "10:00", "11:00"]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.server.pause():
            self._send(503, {"error": "over capacity"})
        elif self.path == "/api/auth/login":
            self._send(200, {"accessToken": TOKEN, "tokenType": "Bearer"})
        elif self.path == "/api/bookings":
            if not self._signed_in():
                self._send(401, {"error": "authentication required"})
                return
            if self.server.fail_bookings:
                self._send(500, {"error": "internal"})
                return
            with self.server.lock:
                booking_id = next(self.server.ids)
                self.server.created += 1
                self.server.bookings[booking_id] = body["customerDetails"]["email"]
            self._send(201, {"id": booking_id, "reference": f"BK{booking_id:06d}"})
        elif match := re.fullmatch(r"/api/bookings/(\d+)/cancel", self.path):
            if not self._signed_in():
                self._send(401, {"error": "authentication required"})
                return
            with self.server.lock:
                found = self.server.bookings.pop(int(match[1]), None)
            self._send(200 if found else 404, {"status": "cancelled"} if found else {"error": "no"})
        else:
            self._send(404, {"error": "not found"})
