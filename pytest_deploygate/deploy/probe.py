"""The availability probe: what a customer would have seen while a release went out.

A daemon thread requests every target (the health endpoint and the home page by default) once
per round, rounds on a fixed grid of ``interval`` seconds. A round is *up* when every target
answered below HTTP 400 within ``timeout``. Each request opens a new connection, as a new
customer would, so a restarted server is never hidden behind a pooled connection.

What it measures, and to what resolution:
- uptime % = up rounds / rounds; error rate % = failed requests / requests;
- an outage runs from the start of its first failed round to the start of the next up round
  (or to the end of probing), so an outage's length is exact to about one ``interval``: a
  refusal window of D seconds measures between D - interval and D + interval.
The probe is bounded twice: it stops itself after ``max_duration`` seconds or ``max_rounds``
rounds (by default one round beyond the time limit, a backstop), and ``stop()`` waits at most
one request timeout per target.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

#: Outages kept in the record (the longest first); the counts cover all of them.
OUTAGES_KEPT = 20


@dataclass(frozen=True)
class Outage:
    """Consecutive failed rounds: when they started (seconds after the probe began), how long."""

    start_s: float
    duration_s: float
    phase: str
    #: Still down when the probe stopped.
    ongoing: bool = False
    #: What the first failed request of the outage got ("HTTP 503", "ConnectError").
    error: str = ""


@dataclass(frozen=True)
class Availability:
    """What the probe saw, as the deploy record and the history keep it."""

    interval_s: float
    targets: tuple[str, ...]
    probes: int
    failed_probes: int
    requests: int
    failed_requests: int
    duration_s: float
    outages: tuple[Outage, ...] = ()
    #: "stopped" (asked to), or the bound that ended it: "time limit", "round limit".
    ended: str = "stopped"

    @property
    def uptime_percent(self) -> float:
        return 100.0 * (self.probes - self.failed_probes) / self.probes if self.probes else 100.0

    @property
    def error_rate(self) -> float:
        return 100.0 * self.failed_requests / self.requests if self.requests else 0.0

    @property
    def longest_outage_s(self) -> float:
        return max((outage.duration_s for outage in self.outages), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        longest = sorted(self.outages, key=lambda o: o.duration_s, reverse=True)[:OUTAGES_KEPT]
        return {
            "uptime_percent": round(self.uptime_percent, 3),
            "probes": self.probes,
            "failed_probes": self.failed_probes,
            "longest_outage_s": round(self.longest_outage_s, 3),
            "error_rate": round(self.error_rate, 3),
            "requests": self.requests,
            "failed_requests": self.failed_requests,
            "interval_s": self.interval_s,
            "duration_s": round(self.duration_s, 3),
            "targets": list(self.targets),
            "outages": [
                {
                    "start_s": round(o.start_s, 3),
                    "duration_s": round(o.duration_s, 3),
                    "phase": o.phase,
                    "ongoing": o.ongoing,
                    "error": o.error,
                }
                for o in sorted(longest, key=lambda o: o.start_s)
            ],
            "outages_total": len(self.outages),
            "ended": self.ended,
        }

    def summary(self) -> str:
        text = (
            f"{self.uptime_percent:.2f}% up over {self.probes} probe(s) every "
            f"{self.interval_s:g} s; {self.failed_probes} failed"
        )
        if self.outages:
            longest = max(self.outages, key=lambda o: o.duration_s)
            text += f"; longest outage {longest.duration_s:.2f} s (during {longest.phase})"
        text += f"; error rate {self.error_rate:.2f}%"
        if self.ended != "stopped":
            text += f"; probing ended early at its {self.ended}"
        return text


@dataclass
class _Round:
    at: float
    up: bool
    phase: str
    error: str = ""


@dataclass
class AvailabilityProbe:
    """Probe ``targets`` under ``base_url`` every ``interval`` seconds until stopped or bounded."""

    base_url: str
    targets: tuple[str, ...]
    interval: float = 0.5
    timeout: float = 2.0
    max_duration: float = 3600.0
    max_rounds: int | None = None
    #: TLS verification of the probes: the platform's ([platform] ca_bundle), or httpx's default.
    verify: ssl.SSLContext | bool = True
    _rounds: list[_Round] = field(default_factory=list, init=False)
    _requests: int = field(default=0, init=False)
    _failed_requests: int = field(default=0, init=False)
    _phase: str = field(default="start", init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _started: float = field(default=0.0, init=False)
    _ended: float = field(default=0.0, init=False)
    _end_reason: str = field(default="stopped", init=False)

    def start(self) -> AvailabilityProbe:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="deploygate-probe", daemon=True)
        self._thread.start()
        return self

    def mark(self, phase: str) -> None:
        """Name what is happening now; outages carry the phase they started in."""
        self._phase = phase

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the probe to end at one of its bounds."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def stop(self) -> Availability:
        """Stop probing (the round in flight finishes, bounded by its timeouts) and summarise."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout * len(self.targets) + 5.0)
        return self.result()

    def status(self) -> tuple[int, int, float | None]:
        """So far, for progress lines (from another thread): rounds, failed rounds, and how
        long it has been down (None when the last round was up)."""
        rounds = list(self._rounds)
        failed = sum(not r.up for r in rounds)
        if not rounds or rounds[-1].up:
            return len(rounds), failed, None
        first = len(rounds) - 1
        while first > 0 and not rounds[first - 1].up:
            first -= 1
        return len(rounds), failed, time.monotonic() - self._started - rounds[first].at

    def result(self) -> Availability:
        rounds = list(self._rounds)
        end = (self._ended or time.monotonic()) - self._started
        return Availability(
            interval_s=self.interval,
            targets=self.targets,
            probes=len(rounds),
            failed_probes=sum(not r.up for r in rounds),
            requests=self._requests,
            failed_requests=self._failed_requests,
            duration_s=end,
            outages=tuple(_outages(rounds, end)),
            ended=self._end_reason,
        )

    def _run(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0)  # a new connection per request
        # The time limit ends a probe; the round limit is a backstop one round beyond it.
        max_rounds = self.max_rounds or int(self.max_duration / self.interval) + 2
        with httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            limits=limits,
            follow_redirects=False,
            verify=self.verify,
        ) as client:
            tick = time.monotonic()
            while True:  # at least one round, however late the thread starts
                at = time.monotonic() - self._started
                self._rounds.append(self._probe_round(client, at))
                if len(self._rounds) >= max_rounds:
                    self._end_reason = "round limit"
                    break
                # Stay on the grid; a round that overran skips the ticks it covered.
                tick += self.interval
                now = time.monotonic()
                if tick < now:
                    tick += ((now - tick) // self.interval + 1) * self.interval
                if tick - self._started >= self.max_duration - self.interval / 1000:
                    self._end_reason = "time limit"
                    break
                if self._stop.wait(tick - now):
                    break
        self._ended = time.monotonic()

    def _probe_round(self, client: httpx.Client, at: float) -> _Round:
        phase, error = self._phase, ""
        for target in self.targets:
            self._requests += 1
            try:
                response = client.get(target)
                failed = response.status_code >= 400
                detail = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                failed, detail = True, type(exc).__name__
            if failed:
                self._failed_requests += 1
                error = error or f"{target}: {detail}"
        return _Round(at, not error, phase, error)


def _outages(rounds: list[_Round], end: float) -> list[Outage]:
    outages: list[Outage] = []
    first: _Round | None = None
    for current in rounds:
        if not current.up and first is None:
            first = current
        elif current.up and first is not None:
            outages.append(Outage(first.at, current.at - first.at, first.phase, error=first.error))
            first = None
    if first is not None:
        outages.append(Outage(first.at, end - first.at, first.phase, True, first.error))
    return outages
