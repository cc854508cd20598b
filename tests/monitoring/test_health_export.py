"""Health to the team's monitoring: ``deploygate health`` and every round of ``deploygate watch``
push their samples to a real Pushgateway, read back with prometheus_client's parser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from monitoring_support import pushgateway
from prometheus_client.parser import text_string_to_metric_families

from pytest_deploygate.alerting import ManualClock
from pytest_deploygate.cli import main
from pytest_deploygate.cli.watch import build_watch_parser, run_watch_command

ENVIRONMENTS = """
[metrics]
pushgateway = "${PUSHGATEWAY_URL}"
textfile = "out/deploygate.prom"

[environments.local]
launch = "reference"
"""


def health_samples(text: str) -> dict[tuple[str, str], tuple[dict[str, str], float]]:
    """(name, component) → (labels, value) of the deploygate_health_* samples."""
    return {
        (sample.name, sample.labels.get("component", "")): (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("deploygate_health_")
    }


def environments(tmp_path: Path) -> Path:
    path = tmp_path / "environments.toml"
    path.write_text(ENVIRONMENTS)
    return path


def test_health_pushes_its_group_and_writes_its_own_textfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the local platform with its database down, and [metrics] pointing at a Pushgateway
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-down")
    path = environments(tmp_path)
    with pushgateway(tmp_path) as url:
        monkeypatch.setenv("PUSHGATEWAY_URL", url)
        # When deploygate health checks it
        status = main(["health", "--env", "local", "--environments-file", str(path), "--json"])
        scraped = httpx.get(f"{url}/metrics", timeout=5).text

    # Then the Pushgateway holds the health group: overall and the database unhealthy (2)
    assert status == 2
    out, err = capsys.readouterr()
    assert out.startswith("{")  # stdout stays the JSON document
    pushed = "pushed to ***/metrics/job/deploygate/environment/local/source/health"
    assert f"deploygate health: metrics: {pushed}" in err
    assert url not in out + err
    samples = health_samples(scraped)
    labels, overall = samples[("deploygate_health_overall", "")]
    assert overall == 2.0
    assert labels == {
        "job": "deploygate",
        "environment": "local",
        "source": "health",
        "instance": "",
    }
    assert samples[("deploygate_health_status", "database")][1] == 2.0
    assert samples[("deploygate_health_status", "api_endpoints")][1] in (0.0, 1.0, 2.0)
    assert ("deploygate_health_latency_ms", "api_endpoints") in samples
    # And the textfile of its own (a run's textfile is not replaced)
    written = tmp_path / "out" / "deploygate-health.prom"
    assert f"wrote {written}" in err
    assert health_samples(written.read_text())[("deploygate_health_overall", "")][1] == 2.0


def puts(text: str) -> float:
    """How many pushes (PUT) the Pushgateway accepted, from its own counter."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "pushgateway_http_requests_total"
        and sample.labels == {"code": "200", "handler": "push", "method": "put"}
    )


def test_watch_publishes_every_round_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the healthy local platform and [metrics] pointing at a Pushgateway
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "")
    path = environments(tmp_path)
    args = build_watch_parser().parse_args(
        ["--env", "local", "--environments-file", str(path), "--count", "3"]
    )
    with pushgateway(tmp_path) as url:
        # When deploygate watch polls three times
        status = run_watch_command(
            args, clock=ManualClock(), environ={"PUSHGATEWAY_URL": url}, out=lambda line: None
        )
        scraped = httpx.get(f"{url}/metrics", timeout=5).text

    # Then every round pushed its health (three PUTs), and the output says where once
    assert status == 0
    assert puts(scraped) == 3
    err = capsys.readouterr().err
    assert err.count("deploygate watch: metrics: pushed to ***/metrics/") == 1
    assert err.count("deploygate watch: metrics: wrote ") == 1
    samples = health_samples(scraped)
    components = {c: v for (name, c), (_, v) in samples.items() if name.endswith("_status")}
    assert components["database"] == 0.0
    # (no payment/e-mail/SMS health URL is configured: external_services is degraded)
    assert samples[("deploygate_health_overall", "")][1] == max(components.values())
    assert samples[("deploygate_health_overall", "")][0]["environment"] == "local"
