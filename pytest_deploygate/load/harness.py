"""LoadHarness: what the ``load_test``/``stress_test`` fixtures do for one test.

It fixes the target to the environment's base_url, refuses a sensitive environment without
``--allow-destructive --allow-load``, names the artifacts, records the gate metrics and collects
the pytest-html extras (Locust's report link, the stress table and chart).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.load.config import Endpoints, LoadSettings, load_run
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
        token: str | None = None,
        mask: Callable[[str], str] | None = None,
    ) -> None:
        self.item = item
        self.settings = settings
        self.host = host
        self.run_id = run_id
        self.reports_dir = reports_dir
        self.endpoints = endpoints
        self.token = token
        self.mask = mask
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
        self.item.add_report_section("call", "load", result.summary())
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
        self.item.add_report_section("call", "stress", _text_table(stress))
        extras = self.item.stash.setdefault(EXTRAS_KEY, [])
        extras.append(_extra("html", render_table(stress) + render_chart(stress)))
        for done in stress.steps:
            self._link(done.result, f"Locust report (stress, {done.users} users)")
        return stress

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
            "destructive": destructive and self.token is not None,
        }
        if duration is not None:
            overrides["duration"] = duration
        if ramp_up is not None:
            overrides["ramp_up"] = ramp_up
        if think_time is not None:
            overrides["think_time"] = think_time
        run = load_run(self.settings, self.host, users=users, **overrides)
        environ = dict(os.environ)
        if run.destructive and self.token:
            environ["DEPLOYGATE_LOAD_TOKEN"] = self.token
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
        """Scrub secrets (an interpolated base_url, say) from Locust's report and logs."""
        if self.mask is None:
            return
        for path in (artifacts.html, artifacts.log, artifacts.output):
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
