"""Stepped stress: more users each step until p95 or the error rate breaks its threshold.

The seed's procedure: 50 % → 200 % of the target users in 10 % steps, stop at the first step
that fails; that step's user count is the breaking point. Each step is one bounded Locust run.
The per-step table and an SVG chart (p95 and error rate against users) go into the HTML report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from pytest_deploygate.load.results import LoadResult, resolution_ms


@dataclass(frozen=True)
class StressThresholds:
    """A step breaks when its p95 reaches ``p95_ms`` or its error rate reaches ``error_rate`` %."""

    p95_ms: float
    error_rate: float

    def breaches(self, result: LoadResult) -> tuple[str, ...]:
        found = []
        if result.p95_ms >= self.p95_ms:
            found.append(f"p95 {result.p95_ms:g} ms >= {self.p95_ms:g} ms")
        if result.error_rate >= self.error_rate and result.failures:
            found.append(f"error rate {result.error_rate:.2f} % >= {self.error_rate:g} %")
        if result.requests == 0:
            found.append("no request completed")
        return tuple(found)


@dataclass(frozen=True)
class StressStep:
    """One step: its user count, its Locust result, and what it broke (empty when it held)."""

    users: int
    result: LoadResult
    breaches: tuple[str, ...]

    @property
    def held(self) -> bool:
        return not self.breaches


@dataclass(frozen=True)
class StressResult:
    """All steps run; the breaking point is the first step that broke, None if none did."""

    steps: tuple[StressStep, ...]
    planned_users: tuple[int, ...]
    thresholds: StressThresholds

    @property
    def breaking_point(self) -> int | None:
        return next((s.users for s in self.steps if not s.held), None)

    @property
    def max_ok_users(self) -> int:
        """Most users a step held with (0 when the first step already broke)."""
        return max((s.users for s in self.steps if s.held), default=0)

    def metrics(self) -> dict[str, float]:
        """``stress.*`` gate metrics; ``breaking_point_users`` only when there was one."""
        found = {"stress.max_ok_users": float(self.max_ok_users)}
        if self.breaking_point is not None:
            found["stress.breaking_point_users"] = float(self.breaking_point)
        return found

    def summary(self) -> str:
        if self.breaking_point is None:
            return (
                f"no breaking point up to {self.planned_users[-1]} users "
                f"({len(self.steps)} steps held p95 < {self.thresholds.p95_ms:g} ms and "
                f"error rate < {self.thresholds.error_rate:g} %)"
            )
        broken = self.steps[-1]
        return (
            f"breaking point at {self.breaking_point} users ({'; '.join(broken.breaches)}); "
            f"held up to {self.max_ok_users} users"
        )


def run_stress(
    users: Sequence[int],
    thresholds: StressThresholds,
    run_step: Callable[[int], LoadResult],
) -> StressResult:
    """Run ``run_step`` for each user count in order; stop after the first step that breaks."""
    steps: list[StressStep] = []
    for count in users:
        result = run_step(count)
        step = StressStep(count, result, thresholds.breaches(result))
        steps.append(step)
        if not step.held:
            break
    return StressResult(tuple(steps), tuple(users), thresholds)


def render_table(stress: StressResult) -> str:
    """The per-step table as an HTML fragment."""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "users",
            "requests",
            "failures",
            "error %",
            "req/s",
            "avg ms",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "verdict",
        )
    )
    rows = []
    for step in stress.steps:
        r = step.result
        verdict = "held" if step.held else "broke: " + "; ".join(step.breaches)
        cells = (
            step.users,
            r.requests,
            r.failures,
            f"{r.error_rate:.2f}",
            f"{r.rps:.1f}",
            f"{r.avg_ms:.0f}",
            f"{r.p50_ms:g}",
            f"{r.p95_ms:g} ±{resolution_ms(r.p95_ms):g}",
            f"{r.p99_ms:g}",
            f"{r.max_ms:.0f}",
            verdict,
        )
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    caption = escape(stress.summary())
    return (
        f'<table class="deploygate-stress"><caption>Stress: {caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p>Percentiles carry Locust's histogram rounding (exact below 100 ms, then about two "
        "significant digits).</p>"
    )


def render_chart(stress: StressResult, width: int = 560, height: int = 280) -> str:
    """An SVG line chart: p95 (left axis, ms) and error rate (right axis, %) against users."""
    left, right, top, bottom = 56, 56, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    users = [s.users for s in stress.steps] or [0]
    x_min, x_max = min(users), max(max(users), stress.planned_users[-1])
    p95_max = max([s.result.p95_ms for s in stress.steps] + [stress.thresholds.p95_ms]) * 1.15
    err_max = (
        max([s.result.error_rate for s in stress.steps] + [stress.thresholds.error_rate]) * 1.15
    )

    def x(value: float) -> float:
        return left + (plot_w * (value - x_min) / (x_max - x_min) if x_max > x_min else plot_w / 2)

    def y(value: float, top_value: float) -> float:
        return top + plot_h - plot_h * value / top_value if top_value else top + plot_h

    def line(points: list[tuple[float, float]], colour: str, dash: str = "") -> str:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        dots = "".join(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
        )
        return (
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"'
            f"{dashed}/>{dots}"
        )

    p95 = [(x(s.users), y(s.result.p95_ms, p95_max)) for s in stress.steps]
    errors = [(x(s.users), y(s.result.error_rate, err_max)) for s in stress.steps]
    limit = y(stress.thresholds.p95_ms, p95_max)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="Stress test: p95 and error rate against users" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#999"/>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{limit:.1f}" y2="{limit:.1f}" '
        f'stroke="#1f77b4" stroke-dasharray="2,3"/>',
        f'<text x="{left + 4}" y="{limit - 4:.1f}" fill="#1f77b4">'
        f"p95 limit {stress.thresholds.p95_ms:g} ms</text>",
        line(p95, "#1f77b4"),
        line(errors, "#d62728", "6,3"),
        f'<text x="{left}" y="{top - 8}" fill="#1f77b4">p95 ms (max {p95_max / 1.15:.0f})</text>',
        f'<text x="{left + plot_w}" y="{top - 8}" fill="#d62728" text-anchor="end">'
        f"error % (max {err_max / 1.15:.2f})</text>",
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">users</text>',
    ]
    for count in sorted(set(users)):
        parts.append(
            f'<text x="{x(count):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{count}</text>'
        )
    if stress.breaking_point is not None:
        bx = x(stress.breaking_point)
        parts.append(
            f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="#d62728"/><text x="{bx - 4:.1f}" y="{top + 12}" fill="#d62728" '
            f'text-anchor="end">breaking point</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
