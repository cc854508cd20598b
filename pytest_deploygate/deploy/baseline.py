"""The run a deploy's verification is compared with for the ``regression.*`` gates.

``--baseline PATH`` (an earlier gates.json) when given; otherwise, when the environment has
regression gates, the verification metrics of the newest deploy of the same environment that
was deployed and verified, from the history (written to ``baseline.json`` in the reports
folder and handed to the verification run as its ``--baseline``). The rollback's verification
is compared with nothing: its job is to restore service, not to be as fast as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_deploygate.deploy.history import HistoryStore
from pytest_deploygate.deploy.record import iso, write_record
from pytest_deploygate.gates.catalog import REGRESSION_PREFIX
from pytest_deploygate.gates.regression import load_baseline
from pytest_deploygate.gates.report import FORMAT


@dataclass(frozen=True)
class ChosenBaseline:
    path: Path
    source: str


def choose_baseline(
    given: Path | None,
    gates: Iterable[str],
    store: HistoryStore,
    environment: str,
    reports_dir: Path,
) -> ChosenBaseline | None:
    """The baseline of this deploy (None: no regression gates, or nothing to compare with).

    A ``given`` file that is not a gates.json raises ValueError with one line.
    """
    if given is not None:
        load_baseline(given)  # checked now: a bad file is a usage error, before anything runs
        return ChosenBaseline(given, str(given))
    if not any(gate.startswith(REGRESSION_PREFIX) for gate in gates):
        return None
    last = store.last_passing(environment)
    if last is None or not last.metrics:
        return None
    path = reports_dir / "baseline.json"
    write_record(
        path,
        {
            "format": FORMAT,
            "verdict": "pass",
            "environment": {"Deploygate environment": environment},
            "run": {"id": last.deploy_id, "started": iso(last.started)},
            "gates": [],
            "metrics": last.metrics.get("metrics", {}),
            "bands": last.metrics.get("bands", {}),
        },
    )
    return ChosenBaseline(path, f"deploy {last.deploy_id} of {environment} ({iso(last.started)})")
