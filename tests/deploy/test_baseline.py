"""What a deploy's verification is compared with: --baseline PATH, or the last deploy of the
same environment that passed, from the history (real SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_support import record

from pytest_deploygate.deploy.baseline import choose_baseline
from pytest_deploygate.deploy.history import HistoryStore
from pytest_deploygate.gates.regression import load_baseline

GATES = ["http.p95_ms", "regression.http.p95_ms"]


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(f"sqlite:///{tmp_path / 'history.sqlite'}").prepare()


def test_the_last_passing_deploy_is_the_baseline(store: HistoryStore, tmp_path: Path) -> None:
    store.append(record("old", "deployed", days_ago=3, p95=30))
    store.append(record("good", "deployed", days_ago=2, p95=40))
    store.append(record("bad", "rolled_back", days_ago=1, p95=90, rollback=True))
    chosen = choose_baseline(None, GATES, store, "staging", tmp_path / "reports")
    assert chosen is not None
    assert chosen.source.startswith("deploy good of staging (")
    baseline = load_baseline(chosen.path)  # a gates.json the verification's pytest can read
    assert baseline.metrics == {"http.p95_ms": 40.0}
    assert baseline.bands == {"http.p95_ms": (35.0, 45.0)}


def test_no_regression_gates_or_no_passing_deploy_means_no_baseline(
    store: HistoryStore, tmp_path: Path
) -> None:
    store.append(record("bad", "failed", days_ago=1))
    assert choose_baseline(None, GATES, store, "staging", tmp_path) is None
    store.append(record("good", "deployed", days_ago=0.5))
    assert choose_baseline(None, ["http.p95_ms"], store, "staging", tmp_path) is None
    assert choose_baseline(None, GATES, store, "production", tmp_path) is None


def test_a_given_baseline_wins_and_must_be_a_gates_json(
    store: HistoryStore, tmp_path: Path
) -> None:
    store.append(record("good", "deployed", days_ago=1))
    given = tmp_path / "given.json"
    given.write_text('{"format": "deploygate-gates/1", "gates": [], "metrics": {}}')
    chosen = choose_baseline(given, GATES, store, "staging", tmp_path)
    assert chosen is not None and chosen.path == given and chosen.source == str(given)
    given.write_text("not json")
    with pytest.raises(ValueError, match="given.json: not JSON"):
        choose_baseline(given, GATES, store, "staging", tmp_path)
