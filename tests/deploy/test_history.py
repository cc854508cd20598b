"""The deployment history store on real SQLite and PostgreSQL: rows, windows, KPIs, baselines,
alerts counted afterwards, and stores that cannot be used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import NOW, record
from scratch_postgres import scratch_database

from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.deploy.history import HistoryError, HistoryStore, open_history
from pytest_deploygate.masking import Masker

POSTGRES_URL = os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL", "")
DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports' / 'deploy-history.sqlite'}"
        return
    with scratch_database("deploygate_history") as url:
        yield url


def test_deploys_are_kept_and_the_kpis_computed(store_url: str) -> None:
    store = HistoryStore(store_url, Masker(["tok-History-77"])).prepare()
    try:
        for row in (
            record("old", "failed", days_ago=40),  # outside a 30-day window
            record("d1", "deployed", days_ago=5, duration=100, p95=41),
            record("d2", "deployed", days_ago=4, duration=300, uptime_failed=2, alerts=2),
            record("r1", "rolled_back", days_ago=3, duration=200, rollback=True, uptime_failed=10),
            record("f1", "failed", days_ago=2, duration=400, rollback=True, alerts=4),
            record("x1", "failed", days_ago=1, refused=True, duration=0.1),
        ):
            store.append(row)
        kpis = store.kpis("staging", since=NOW - 30 * DAY)
        rows = store.deployments("staging", since=NOW - 30 * DAY)
        passing = store.last_passing("staging")
        other = store.kpis("production")
    finally:
        store.close()
    assert [row.deploy_id for row in rows] == ["x1", "f1", "r1", "d2", "d1"]
    assert (kpis.deployments, kpis.started, kpis.refused, kpis.deployed) == (5, 4, 1, 2)
    assert (kpis.rolled_back, kpis.failed, kpis.rollbacks) == (1, 1, 2)
    metrics = kpis.metrics()
    assert metrics["deploy.success_rate"] == 50.0
    assert metrics["deploy.rollback_rate"] == 50.0
    assert metrics["deploy.uptime_percent"] == pytest.approx((100 + 98 + 90 + 100) / 4)
    assert metrics["deploy.alerts"] == 1.5
    assert metrics["deploy.duration_s"] == pytest.approx(385.0)  # p95 of 100, 200, 300, 400
    assert kpis.as_dict()["duration_median_s"] == 250.0
    # the newest deploy that passed is a later deploy's baseline, with its bands
    assert passing is not None and passing.deploy_id == "d2"
    assert passing.metrics == {"metrics": {"http.p95_ms": 40.0}, "bands": {"http.p95_ms": [35, 45]}}
    # secrets in a record are masked in the store
    assert "tok-History-77" not in str(rows[1].record) and "***" in str(rows[1].record)
    assert other.deployments == 0 and other.metrics() == {}


def test_alerts_after_a_deploy_count_against_the_latest_started_one(store_url: str) -> None:
    store = HistoryStore(store_url).prepare()
    try:
        store.append(record("d1", "deployed", days_ago=2, alerts=1))
        store.append(record("x1", "failed", days_ago=1, refused=True))
        latest = store.add_alerts("staging", 3)
        rows = {row.deploy_id: row for row in store.deployments("staging")}
    finally:
        store.close()
    assert latest is not None and latest.deploy_id == "d1"
    assert rows["d1"].alerts == 4 and rows["d1"].record["alerts"] == 4
    assert rows["x1"].alerts == 0


def test_two_stores_on_one_database_share_it(store_url: str) -> None:
    # as two CI jobs do: each prepares (creating the table at most once) and appends
    first, second = HistoryStore(store_url).prepare(), HistoryStore(store_url).prepare()
    try:
        first.append(record("a", "deployed"))
        second.append(record("b", "deployed", days_ago=0.5))
        assert [row.deploy_id for row in first.deployments("staging")] == ["b", "a"]
    finally:
        first.close()
        second.close()


def test_an_unreachable_store_is_one_masked_line(closed_port: int) -> None:
    # A loopback port held bound but not listening: the connection is refused
    url = f"postgresql://deploygate:Hist-Secret-42@127.0.0.1:{closed_port}/history"
    masker = Masker(["Hist-Secret-42"])
    with pytest.raises(HistoryError) as caught:
        HistoryStore(url, masker).prepare()
    message = str(caught.value)
    assert "Hist-Secret-42" not in message and "***" in message
    assert message.startswith("cannot open the deployment history postgresql://deploygate:***@")
    assert "check [deploy] history_url (or --history-url)" in message
    assert "\n" not in message


def test_a_store_that_is_not_a_url_says_how_to_write_one() -> None:
    with pytest.raises(HistoryError, match="is not a database URL; use sqlite:///PATH"):
        HistoryStore("reports/history.db").prepare()


def test_which_store_a_command_uses(tmp_path: Path) -> None:
    alerts = AlertsConfig()  # state file reports/alert-state.sqlite
    shared = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    configured = f"sqlite:///{tmp_path / 'configured.sqlite'}"
    given = f"sqlite:///{tmp_path / 'given.sqlite'}"

    def url(given_url: str | None, environ: dict[str, str], configured_url: str = "") -> str:
        store = open_history(given_url, configured_url, alerts, tmp_path, Masker(), environ)
        store.close()
        return store.url

    variable = {"DEPLOYGATE_HISTORY_URL": shared}
    assert url(given, variable, configured) == given
    assert url(None, variable, configured) == shared
    assert url(None, {}, configured) == configured
    assert url(None, {}) == f"sqlite:///{tmp_path.resolve() / 'reports' / 'deploy-history.sqlite'}"
