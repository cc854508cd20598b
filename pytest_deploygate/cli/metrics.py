"""Health checks to the team's monitoring: ``deploygate health`` and each round of
``deploygate watch`` publish their samples to ``[metrics]`` (textfile and Pushgateway)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pytest_deploygate.config import Environment
from pytest_deploygate.masking import Masker
from pytest_deploygate.monitoring.exposition import render, samples_from_health
from pytest_deploygate.monitoring.publish import PublishResult, publish


def publish_health(
    env: Environment, base_dir: Path, metrics: Mapping[str, float], masker: Masker
) -> PublishResult | None:
    """Publish one health check (its own group and textfile, source ``health``); None when
    ``[metrics]`` sets no target."""
    if not env.metrics.enabled:
        return None
    exposition = render(samples_from_health(metrics), {"environment": env.name})
    return publish(exposition, env.metrics, env.name, base_dir, masker, source="health")
