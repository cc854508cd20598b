"""LoadHarness: what the ``load_test``/``stress_test`` fixtures do for one test.

It fixes the target to the environment's base_url, refuses a sensitive environment without
``--allow-destructive --allow-load``, names the artifacts, records the gate metrics and collects
the pytest-html extras (Locust's report link, the stress table and chart).

Booking and cancelling under load need the signed-in customer: its headers and cookies
(``LoadAuth``) go to Locust as JSON in ``DEPLOYGATE_LOAD_AUTH``, never on the command line; the
booking's shape (body encoding, field names, CSRF names: ``BookingShape``) goes as ``--dg-*``
arguments. Without a customer the mix is read-only, and the report section says why.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.load.config import (
    AUTH_VARIABLE,
    BookingShape,
    Endpoints,
    LoadSettings,
    load_run,
)
from pytest_deploygate.load.progress import describe, history_path, latest
from pytest_deploygate.load.results import LoadResult
from pytest_deploygate.load.runner import Artifacts, run_locust
from pytest_deploygate.load.stress import (
    StressResult,
    StressThresholds,
    render_chart,
    render_table,
    run_stress,
)
from pytest_deploygate.progress import for_pytest

#: pytest-html extras (plain dicts, pytest-html's shape) gathered while a test runs.
EXTRAS_KEY = pytest.StashKey[list[dict[str, Any]]]()


def endpoints_of(api: Any) -> Endpoints:
    """The locustfile's paths from the ``[platform.api]`` contract (its operations, so a
    platform's own availability and cancel paths reach the load mix too)."""

    def path(endpoint: Any) -> str:
        return (
            str(endpoint.path)
            .replace("{service_id}", "{serviceId}")
            .replace("{booking_id}", "{id}")
        )

    return Endpoints(
        path(api.services),
        path(api.availability),
        path(api.create_booking),
        path(api.cancel_booking),
    )


def booking_shape_of(platform: Any) -> BookingShape:
    """The booking's shape from ``[platform.requests]`` (body, fields) and ``[platform.auth]``
    (CSRF cookie, header and form field), as ``session.auth.shape`` sends it."""
    auth = platform.auth
    return BookingShape(
        body=platform.requests.body,
        fields=dict(platform.requests.fields),
        csrf_cookie=auth.csrf_cookie,
        csrf_header=auth.csrf_header,
        csrf_field=auth.csrf_field,
    )


@dataclass(frozen=True)
class LoadAuth:
    """What the locustfile sends on booking and cancel: the signed-in customer's headers and
    cookies (secrets), and the platform's extra headers of each (``[platform.requests]
    headers``).

    JSON in ``DEPLOYGATE_LOAD_AUTH``: ``{"headers": {name: value}, "cookies": [[name, value]],
    "extra_headers": {"bookings": {...}, "cancel": {...}}}``; a worker on another machine needs
    the same value (a bearer token alone: ``{"headers": {"Authorization": "Bearer <token>"}}``).
    """

    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    extra_headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        headers: Mapping[str, str],
        cookies: Sequence[Cookie],
        platform: Any,
        endpoints: Endpoints,
    ) -> LoadAuth:
        """From a ``session.auth.SignedIn``'s headers and cookies, for ``platform``."""
        extra = platform.requests.headers_for
        return cls(
            headers=dict(headers),
            cookies=tuple((c.name, c.value or "") for c in cookies),
            extra_headers={
                "bookings": extra("POST", endpoints.bookings),
                "cancel": extra("POST", endpoints.cancel),
            },
        )

    @property
    def secrets(self) -> list[str]:
        """Every header and cookie value, and a bearer token on its own."""
        found = [*self.headers.values(), *(value for _, value in self.cookies)]
        found += [v.partition(" ")[2] for v in self.headers.values() if v.startswith("Bearer ")]
        return [v for v in found if v]

    def to_json(self) -> str:
        return json.dumps(
            {
                "headers": dict(self.headers),
                "cookies": [list(pair) for pair in self.cookies],
                "extra_headers": {k: dict(v) for k, v in self.extra_headers.items()},
            }
        )


class LoadHarness:
    """Runs bounded Locust load and stress tests for one pytest item."""

    def __init__(
        self,
        item: pytest.Item,
        settings: LoadSettings,
        host: str,
        run_id: str,
        reports_dir: Path,
        endpoints: Endpoints,
        auth: LoadAuth | None = None,
        mask: Callable[[str], str] | None = None,
        shape: BookingShape | None = None,
        read_only: str = "",
    ) -> None:
        self.item = item
        self.settings = settings
        self.host = host
        self.run_id = run_id
        self.reports_dir = reports_dir
        self.endpoints = endpoints
        self.auth = auth
        self.mask = mask
        self.shape = shape if shape is not None else BookingShape()
        # Why visitors cannot book (no auth), said in the report section; "" when they can.
        self.read_only = read_only or (
            "" if auth is not None else "no signed-in customer was handed to the load test"
        )
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", item.nodeid).strip("-")
        # One folder per run, so an older (rotated) HTML report still links to its own runs.
        self.directory = reports_dir / "load" / run_id / slug

    def load(
        self,
        users: int | None = None,
        duration: float | None = None,
        ramp_up: float | None = None,
        think_time: tuple[float, float] | None = None,
        destructive: bool = True,
    ) -> LoadResult:
        """One load run (10x normal users unless told); records ``load.*`` metrics."""
        result = self._run("load", users, duration, ramp_up, think_time, destructive, "load")
        _record(result.metrics())
        self.item.add_report_section("call", "load", result.summary() + self._mix(destructive))
        self._link(result, f"Locust report ({result.users} users)")
        return result

    def stress(
        self,
        users: Sequence[int] | None = None,
        step_duration: float | None = None,
        p95_ms: float | None = None,
        error_rate: float | None = None,
        think_time: tuple[float, float] | None = None,
        destructive: bool = True,
    ) -> StressResult:
        """Stepped runs (50 % → 200 % of peak users) until one breaks; records ``stress.*``."""
        thresholds = StressThresholds(
            p95_ms if p95_ms is not None else self.settings.stress_p95_ms,
            error_rate if error_rate is not None else self.settings.stress_error_rate,
        )
        plan = list(users) if users is not None else self.settings.stress_users()
        duration = (
            step_duration if step_duration is not None else self.settings.stress_step_duration
        )

        def step(count: int) -> LoadResult:
            # Each step ramps up within its first quarter so most of it runs at full load.
            label = f"stress step {plan.index(count) + 1}/{len(plan)}"
            return self._run(
                f"stress-{count:04d}u",
                count,
                duration,
                duration / 4,
                think_time,
                destructive,
                label,
            )

        stress = run_stress(plan, thresholds, step)
        # Steps are not recorded as load.* metrics: the breaking step breaches them by design.
        _record(stress.metrics())
        self.item.add_report_section("call", "stress", _text_table(stress) + self._mix(destructive))
        extras = self.item.stash.setdefault(EXTRAS_KEY, [])
        extras.append(_extra("html", render_table(stress) + render_chart(stress)))
        for done in stress.steps:
            self._link(done.result, f"Locust report (stress, {done.users} users)")
        return stress

    def _mix(self, destructive: bool) -> str:
        """One line when visitors only browsed, saying why (never a silent degradation)."""
        if not destructive:
            return "\nread-only mix: the test passed destructive=False (no booking or cancelling)"
        if self.read_only:
            return f"\nread-only mix: no booking or cancelling ({self.read_only})"
        return ""

    def _run(
        self,
        name: str,
        users: int | None,
        duration: float | None,
        ramp_up: float | None,
        think_time: tuple[float, float] | None,
        destructive: bool,
        label: str,
    ) -> LoadResult:
        overrides: dict[str, Any] = {
            "run_id": self.run_id,
            "endpoints": self.endpoints,
            "shape": self.shape,
            "destructive": destructive and self.auth is not None,
        }
        if duration is not None:
            overrides["duration"] = duration
        if ramp_up is not None:
            overrides["ramp_up"] = ramp_up
        if think_time is not None:
            overrides["think_time"] = think_time
        run = load_run(self.settings, self.host, users=users, **overrides)
        environ = dict(os.environ)
        environ.pop(AUTH_VARIABLE, None)  # only this session's customer, never an inherited one
        if run.destructive and self.auth is not None:
            environ[AUTH_VARIABLE] = self.auth.to_json()
        artifacts = Artifacts(self.directory, name)
        progress = for_pytest(self.item.config)
        history = history_path(artifacts.csv_prefix)
        history.unlink(missing_ok=True)

        def tick(elapsed: float) -> None:
            if progress is not None:
                left = run.run_seconds - elapsed
                progress.update(describe(label, run.users, latest(history), left))

        try:
            result = run_locust(run, artifacts, environ, on_tick=tick)
        finally:
            self._mask_files(artifacts)
        if progress is not None:
            progress.done(f"{label}: {result.summary()}")
        if result.requests == 0:
            pytest.fail(
                f"Locust made no request to {self.host} in {run.run_seconds} s with {run.users} "
                f"users; see {artifacts.log}",
                pytrace=False,
            )
        return result

    def _mask_files(self, artifacts: Artifacts) -> None:
        """Scrub secrets (an interpolated base_url, a customer's cookie, say) from everything
        Locust wrote for this run: report, logs, CSV and JSON statistics."""
        if self.mask is None:
            return
        pattern = f"{glob.escape(artifacts.name)}[._]*"
        for path in sorted(artifacts.directory.glob(pattern)):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                masked = self.mask(text)
                if masked != text:
                    path.write_text(masked, encoding="utf-8")

    def _link(self, result: LoadResult, name: str) -> None:
        if result.html_report is None:
            return
        target = os.path.relpath(result.html_report, self.reports_dir)
        self.item.stash.setdefault(EXTRAS_KEY, []).append(_extra("url", target, name))


def _record(found: Mapping[str, float]) -> None:
    from pytest_deploygate.session.metrics import record_metric

    for name, value in found.items():
        record_metric(name, value)


def _extra(format_type: str, content: str, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "format_type": format_type,
        "content": content,
        "mime_type": None,
        "extension": None,
    }


def _text_table(stress: StressResult) -> str:
    lines = [stress.summary(), f"{'users':>6} {'reqs':>7} {'err %':>7} {'p95 ms':>8} verdict"]
    for step in stress.steps:
        r = step.result
        verdict = "held" if step.held else "broke: " + "; ".join(step.breaches)
        lines.append(
            f"{step.users:>6} {r.requests:>7} {r.error_rate:>7.2f} {r.p95_ms:>8g} {verdict}"
        )
    return "\n".join(lines)
