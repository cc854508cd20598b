"""The availability probe against real loopback servers: what counts as down, how an outage is
measured, and that it ends at its bounds."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from loopback_server import serve

from pytest_deploygate.deploy.probe import AvailabilityProbe, _outages, _Round

TARGETS = ("/api/health", "/")


class Platform:
    """Answers 200, except the health requests whose number is in ``failing`` (503)."""

    def __init__(self) -> None:
        self.failing: set[int] = set()
        self.health_requests = 0
        self.lock = threading.Lock()


def _handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 200
            if self.path == "/api/health":
                with platform.lock:
                    platform.health_requests += 1
                    status = 503 if platform.health_requests in platform.failing else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def platform() -> Iterator[tuple[Platform, str]]:
    state = Platform()
    with serve(_handler(state)) as url:
        yield state, url


def test_an_answering_platform_is_up_and_the_probe_ends_at_its_round_limit(
    platform: tuple[Platform, str],
) -> None:
    _, url = platform
    probe = AvailabilityProbe(url, TARGETS, interval=0.05, max_rounds=6).start()
    assert probe.wait(30)
    result = probe.stop()
    assert (result.probes, result.failed_probes, result.requests) == (6, 0, 12)
    assert result.uptime_percent == 100 and result.outages == ()
    assert result.ended == "round limit"


def test_failed_health_answers_are_one_outage_of_their_rounds(
    platform: tuple[Platform, str],
) -> None:
    # Given health answers 503 to its 3rd..6th request (four rounds in a row)
    state, url = platform
    state.failing = {3, 4, 5, 6}
    interval = 0.1
    probe = AvailabilityProbe(url, TARGETS, interval=interval, max_rounds=10).start()
    assert probe.wait(30)
    result = probe.stop()
    # Then four of ten probes failed, one request in each (the home page answered)
    assert (result.probes, result.failed_probes, result.failed_requests) == (10, 4, 4)
    assert result.uptime_percent == 60 and result.error_rate == 20
    (outage,) = result.outages
    assert outage.error == "/api/health: HTTP 503" and not outage.ongoing
    # and the outage lasts from the first failed round to the next good one: at least the grid's
    # three intervals between them, and ending inside the run (the good round's actual start
    # depends on this machine's scheduling, so no upper bound in seconds: one core stalled it
    # to 0.70 s once)
    assert outage.duration_s >= 3 * interval
    assert outage.start_s + outage.duration_s < result.duration_s


def test_a_port_that_refuses_connections_is_down_until_the_end(tmp_path: Any) -> None:
    # A socket bound but not listening: connections are refused, and the port stays ours.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        probe = AvailabilityProbe(url, TARGETS, interval=0.05, max_rounds=4).start()
        assert probe.wait(30)
        result = probe.stop()
    assert (result.probes, result.failed_probes) == (4, 4)
    (outage,) = result.outages
    assert outage.ongoing and outage.error == "/api/health: ConnectError"
    assert result.summary().startswith("0.00% up over 4 probe(s) every 0.05 s; 4 failed")


def test_the_probe_ends_at_its_time_limit(platform: tuple[Platform, str]) -> None:
    _, url = platform
    probe = AvailabilityProbe(url, TARGETS, interval=0.05, max_duration=0.3).start()
    assert probe.wait(30)
    result = probe.stop()
    assert result.ended == "time limit"
    assert 1 <= result.probes <= 0.3 / 0.05 + 1
    assert "probing ended early at its time limit" in result.summary()


def test_outages_are_measured_from_round_starts() -> None:
    rounds = [
        _Round(0.0, True, "command"),
        _Round(0.5, False, "command", "/: HTTP 502"),
        _Round(1.0, False, "command"),
        _Round(1.5, True, "verification"),
        _Round(2.0, False, "verification", "/api/health: ReadTimeout"),
    ]
    first, last = _outages(rounds, end=2.7)
    assert (first.start_s, first.duration_s, first.phase, first.ongoing) == (
        0.5,
        1.0,
        "command",
        False,
    )
    assert (last.start_s, last.phase, last.ongoing) == (2.0, "verification", True)
    assert last.duration_s == pytest.approx(0.7)


def test_status_says_how_long_it_has_been_down_for_progress_lines(
    platform: tuple[Platform, str],
) -> None:
    # Given health answers 503 from its 3rd request on
    state, url = platform
    state.failing = set(range(3, 100))
    probe = AvailabilityProbe(url, TARGETS, interval=0.05, max_rounds=6).start()
    assert probe.wait(30)
    rounds, failed, down_s = probe.status()
    # Then six rounds, the last four failed, down since the third round began
    assert (rounds, failed) == (6, 4)
    # Round 3 may start late on a busy machine, but each later round waits for a grid tick after
    # the one before it started: rounds 4 to 6 add more than two intervals, whatever the load.
    assert down_s is not None and down_s > 2 * 0.05
    # and once health answers again, it is up
    state.failing = set()
    again = AvailabilityProbe(url, TARGETS, interval=0.05, max_rounds=2).start()
    assert again.wait(30)
    assert again.status() == (2, 0, None)
