"""The Grafana dashboard in examples/ asks only for series deploygate publishes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pytest_deploygate.gates.catalog import DEPLOY_METRICS, METRICS, SUITES
from pytest_deploygate.monitoring.exposition import FIXED_NAMES, metric_name

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "examples" / "grafana" / "deploygate-dashboard.json"
)


def test_every_series_of_the_dashboard_is_published() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    wanted = {name for expr in exprs for name in re.findall(r"deploygate_[a-z0-9_]+", expr)}

    published = {metric_name(name) for name in FIXED_NAMES}
    published |= {metric_name(metric.name) for metric in (*METRICS, *DEPLOY_METRICS)}
    published |= {metric_name(f"tests.pass_rate.{suite}") for suite in SUITES}

    assert wanted and wanted <= published, sorted(wanted - published)
    assert dashboard["templating"]["list"][1]["name"] == "environment"
