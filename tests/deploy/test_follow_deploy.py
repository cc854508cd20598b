"""``deploygate watch --follow-deploy``: alerts that fire in a bounded watch after a deploy are
counted against that deploy in the history (the deploy.alerts KPI)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import Receiver, webhook_receiver

from pytest_deploygate.cli import main
from pytest_deploygate.deploy.history import HistoryStore
from pytest_deploygate.deploy.record import DeployRecord
from pytest_deploygate.reference import LiveServer, Settings, create_app

ENVIRONMENTS = """
[environments.qa]
base_url = "{url}"
services.payment = "/api/health"
services.email = "/api/health"
services.sms = "/api/health"

[alerts.channels.ops]
type = "webhook"
url = "{hook}"

[[alerts.rules]]
name = "database-down"
metric = "health.database.status"
operator = ">="
threshold = 2
severity = "critical"
channels = ["ops"]
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as receiver:
        yield receiver


def platform(tmp_path: Path, faults: frozenset[str]) -> LiveServer:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'platform.db'}", faults=faults)
    return LiveServer(create_app(settings))


@pytest.mark.parametrize(("faults", "fired"), [(frozenset({"database-down"}), 1), (frozenset(), 0)])
def test_alerts_fired_while_watching_count_against_the_latest_deploy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    receiver: Receiver,
    faults: frozenset[str],
    fired: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    history = f"sqlite:///{tmp_path / 'history.sqlite'}"
    store = HistoryStore(history).prepare()
    store.append(DeployRecord("d1", "qa", time.time() - 60, "deployed", "", alerts=1))
    store.close()
    with platform(tmp_path, faults) as server:
        (tmp_path / "environments.toml").write_text(
            ENVIRONMENTS.format(url=server.url, hook=receiver.url)
        )
        status = main(
            ["watch", "--env", "qa", "--count", "1", "--follow-deploy", "--history-url", history]
        )
    out = capsys.readouterr().out
    assert status == (1 if fired else 0)
    assert f"{fired} alert(s) fired; counted against deploy d1 of qa" in out
    store = HistoryStore(history).prepare()
    (row,) = store.deployments("qa")
    store.close()
    assert row.alerts == 1 + fired
    assert [body["rule"] for body in receiver.bodies] == ["database-down"] * fired
