"""Run results for the team's monitoring: the Prometheus exposition format, written as a
node_exporter textfile and pushed to a Pushgateway (``[metrics]`` in environments.toml)."""

from __future__ import annotations

from pytest_deploygate.monitoring.exposition import Sample, render, samples_from_gates
from pytest_deploygate.monitoring.publish import PublishResult, publish

__all__ = ["PublishResult", "Sample", "publish", "render", "samples_from_gates"]
