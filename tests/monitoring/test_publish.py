"""[metrics]: a textfile for node_exporter and a real Pushgateway, from a pytest run."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import inner_session
import pytest
from monitoring_support import pushgateway
from prometheus_client.parser import text_string_to_metric_families

RUN = """
from pytest_deploygate import record_metric

def test_measures():
    record_metric("page.load_ms", 812.5)
"""


def project(pytester: pytest.Pytester, metrics: str) -> pytest.Pytester:
    pytester.path.joinpath("environments.toml").write_text(
        f'[gates]\n"page.load_ms" = "< 3000"\n{metrics}\n'
        '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
    )
    pytester.makepyfile(test_run=RUN)
    return pytester


def samples(text: str) -> dict[str, tuple[dict[str, str], float]]:
    return {
        sample.name: (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_run_writes_the_textfile_atomically_with_environment_and_run_id(
    pytester: pytest.Pytester,
) -> None:
    project(pytester, '[metrics]\ntextfile = "out/deploygate.prom"\n')

    result = inner_session.run(pytester, "--env=staging", "--no-preflight", "--run-id=r7")

    assert result.ret == 0
    written = pytester.path / "out" / "deploygate.prom"
    result.stdout.fnmatch_lines([f"metrics: wrote {written}"])
    labels, value = samples(written.read_text())["deploygate_page_load_ms"]
    assert value == 812.5 and labels == {"environment": "staging", "run_id": "r7"}
    assert [p.name for p in written.parent.iterdir()] == ["deploygate.prom"]  # no temp left


def test_a_run_pushes_its_group_to_a_real_pushgateway(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pushgateway(tmp_path) as url:
        monkeypatch.setenv("PUSHGATEWAY_URL", url)
        project(pytester, '[metrics]\npushgateway = "${PUSHGATEWAY_URL}"\njob = "gates"\n')

        result = inner_session.run_sub(pytester, "--env=staging", "--no-preflight", "--run-id=r8")
        scraped = httpx.get(f"{url}/metrics", timeout=5).text

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["metrics: pushed to ***/metrics/job/gates/environment/staging/source/run"]
    )
    assert url not in result.stdout.str()  # an interpolated value is a secret
    labels, value = samples(scraped)["deploygate_page_load_ms"]
    assert value == 812.5
    assert labels == {
        "job": "gates",
        "environment": "staging",
        "source": "run",
        "run_id": "r8",
        "instance": "",
    }


def test_a_dead_pushgateway_is_one_line_and_the_run_keeps_its_result(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    # A port this test holds bound but never listens on: connections are refused, and no
    # other process can take it meanwhile.
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{dead.getsockname()[1]}"
        project(pytester, f'[metrics]\npushgateway = "{url}"\ntimeout_seconds = 2\n')

        result = inner_session.run_sub(pytester, "--env=staging", "--no-preflight")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "metrics: push to http://127.0.0.1:*/metrics/job/deploygate/environment/staging/"
            "source/run failed (ConnectError: *); the run is unchanged"
        ]
    )
