"""The deployment history: every deploy appended to one table, and the seed's KPIs from it.

SQLite beside the alert state by default (``reports/deploy-history.sqlite`` next to
``reports/alert-state.sqlite``), or any SQLAlchemy URL, e.g. a PostgreSQL database a team's CI
jobs share (``[deploy] history_url``, ``--history URL``). One row per deploy, written in one
short transaction, so concurrent jobs can share a store.

KPIs of an environment over a window (the seed's success criteria):
- ``deploy.success_rate``  deployed and verified / deploys started, in % (seed: > 99)
- ``deploy.rollback_rate`` deploys that ran their rollback / deploys started, in % (seed: < 1)
- ``deploy.duration_s``    95th percentile of the deploys' durations (seed: < 30 min)
- ``deploy.uptime_percent`` mean availability the probe saw during deploys (seed: > 99.5)
- ``deploy.alerts``        mean alert rules fired per deploy (seed: < 5)
A deploy refused before it started (the environment was already unhealthy) is listed and
counted, but changed nothing, so it is in none of the rates.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.deploy.record import DeployRecord, iso
from pytest_deploygate.gates.aggregate import percentile
from pytest_deploygate.masking import Masker, url_password

HISTORY_FILE = "deploy-history.sqlite"
#: A shared store for every command of a CI job, without repeating --history-url.
HISTORY_URL_VARIABLE = "DEPLOYGATE_HISTORY_URL"

_METADATA = sa.MetaData()
DEPLOYMENTS = sa.Table(
    "deploygate_deployments",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deploy_id", sa.String(64), nullable=False, unique=True),
    sa.Column("environment", sa.String(200), nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=False),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.Column("rolled_back", sa.Boolean, nullable=False),  # a rollback ran (verified or not)
    sa.Column("uptime_percent", sa.Float),
    sa.Column("longest_outage_s", sa.Float),
    sa.Column("alerts", sa.Integer, nullable=False),
    sa.Column("metrics", sa.Text),  # the verification's gate metrics and bands: a baseline
    sa.Column("record", sa.Text, nullable=False),  # the masked record, as --json writes it
    sa.Index("ix_deploygate_deployments_env_started", "environment", "started"),
)


class HistoryError(Exception):
    """The history store cannot be used; one masked line naming the store and the fix."""


def default_history_url(alert_state_file: Path) -> str:
    """SQLite beside the alert state file."""
    return f"sqlite:///{alert_state_file.resolve().parent / HISTORY_FILE}"


def open_history(
    given_url: str | None,
    configured_url: str,
    alerts: AlertsConfig,
    base_dir: Path,
    masker: Masker,
    environ: Mapping[str, str] = os.environ,
) -> HistoryStore:
    """The store a command uses: ``--history-url``, else ``$DEPLOYGATE_HISTORY_URL``, else
    ``[deploy] history_url``, else SQLite beside the alert state file (``[alerts]
    state_file``, relative to ``base_dir``)."""
    state_file = (
        alerts.state_file if alerts.state_file.is_absolute() else base_dir / alerts.state_file
    )
    url = (
        given_url
        or environ.get(HISTORY_URL_VARIABLE)
        or configured_url
        or default_history_url(state_file)
    )
    password = url_password(url)
    if password:
        masker.add(password)
    return HistoryStore(url, masker).prepare()


@dataclass(frozen=True)
class Deployment:
    """One row of the history."""

    deploy_id: str
    environment: str
    started: float
    duration_s: float
    result: str
    exit_code: int
    refused: bool
    rolled_back: bool
    uptime_percent: float | None
    longest_outage_s: float | None
    alerts: int
    metrics: Mapping[str, Any] | None
    record: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.deploy_id,
            "started": iso(self.started),
            "result": "refused" if self.refused else self.result,
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 3),
            "rolled_back": self.rolled_back,
            "uptime_percent": self.uptime_percent,
            "longest_outage_s": self.longest_outage_s,
            "alerts": self.alerts,
            "reason": self.record.get("reason", ""),
        }


@dataclass(frozen=True)
class Kpis:
    """The seed's deployment KPIs over one environment's deploys in a window."""

    environment: str
    since: float | None
    deployments: int
    refused: int
    deployed: int
    rolled_back: int
    failed: int
    rollbacks: int
    durations: tuple[float, ...]
    uptimes: tuple[float, ...]
    alerts: tuple[int, ...]

    @property
    def started(self) -> int:
        """Deploys whose command ran (refused ones changed nothing)."""
        return self.deployments - self.refused

    def metrics(self) -> dict[str, float]:
        """The ``deploy.*`` gate metrics; a KPI without data is left out (not measured)."""
        values: dict[str, float] = {}
        if self.started:
            values["deploy.success_rate"] = 100.0 * self.deployed / self.started
            values["deploy.rollback_rate"] = 100.0 * self.rollbacks / self.started
            values["deploy.alerts"] = statistics.fmean(self.alerts)
        if self.durations:
            values["deploy.duration_s"] = percentile(self.durations, 95)
        if self.uptimes:
            values["deploy.uptime_percent"] = statistics.fmean(self.uptimes)
        return values

    def as_dict(self) -> dict[str, Any]:
        durations = self.durations
        return {
            "environment": self.environment,
            "since": iso(self.since) if self.since is not None else None,
            "deployments": self.deployments,
            "started": self.started,
            "deployed": self.deployed,
            "rolled_back": self.rolled_back,
            "failed": self.failed,
            "refused": self.refused,
            "rollbacks": self.rollbacks,
            "duration_median_s": round(statistics.median(durations), 3) if durations else None,
            "duration_p95_s": round(percentile(durations, 95), 3) if durations else None,
            "metrics": {name: round(value, 3) for name, value in self.metrics().items()},
        }

    def lines(self) -> list[str]:
        if not self.deployments:
            return [f"no deployments of {self.environment} recorded in this window"]
        facts = self.as_dict()
        metrics = facts["metrics"]
        lines = [
            f"{self.deployments} deployment(s): {self.deployed} deployed, {self.rolled_back} "
            f"rolled back, {self.failed} failed, {self.refused} refused before start",
        ]
        if self.started:
            lines.append(
                f"success rate {metrics['deploy.success_rate']:.1f}%, rollback rate "
                f"{metrics['deploy.rollback_rate']:.1f}%, alerts per deployment "
                f"{metrics['deploy.alerts']:.2f}"
            )
        if self.durations:
            lines.append(
                f"duration median {facts['duration_median_s']:.1f} s, p95 "
                f"{facts['duration_p95_s']:.1f} s"
            )
        if self.uptimes:
            lines.append(
                f"uptime during deployments {metrics['deploy.uptime_percent']:.2f}% (mean)"
            )
        return lines


class HistoryStore:
    """The table of deploys at one URL; every method is one short transaction."""

    def __init__(self, url: str, masker: Masker | None = None) -> None:
        self.url = url
        self.masker = masker or Masker()
        self._engine: Engine | None = None

    @property
    def shown_url(self) -> str:
        return self.masker(self.url)

    def prepare(self) -> HistoryStore:
        """Connect and create the table if needed; HistoryError when the store is unusable."""
        from pytest_deploygate.database import create_engine

        try:
            parsed = sa.make_url(self.url)
        except (sa.exc.ArgumentError, ValueError):
            raise HistoryError(
                f"history store {self.shown_url!r} is not a database URL; use sqlite:///PATH "
                "or postgresql://user@host/db ([deploy] history_url or --history-url)"
            ) from None
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        with self._errors("open"):
            self._engine = create_engine(self.url)
            try:
                _METADATA.create_all(self._engine)
            except SQLAlchemyError:
                # Another job created it between the check and the CREATE: fine if it is there.
                if not sa.inspect(self._engine).has_table(DEPLOYMENTS.name):
                    raise
        return self

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def append(self, record: DeployRecord) -> None:
        document = record.as_dict(self.masker)
        verification = record.verification
        metrics = (
            {"metrics": dict(verification.metrics), "bands": dict(verification.bands)}
            if verification is not None and verification.metrics
            else None
        )
        row = {
            "deploy_id": record.id,
            "environment": record.environment,
            "started": record.started,
            "duration_s": record.duration_s,
            "result": record.result,
            "exit_code": record.exit_code,
            "refused": record.refused,
            "rolled_back": record.rollback is not None,
            "uptime_percent": (record.availability.uptime_percent if record.availability else None),
            "longest_outage_s": (
                record.availability.longest_outage_s if record.availability else None
            ),
            "alerts": record.alerts,
            "metrics": json.dumps(self.masker.mask_all(metrics)) if metrics else None,
            "record": json.dumps(document),
        }
        with self._transaction("record the deploy in") as connection:
            connection.execute(DEPLOYMENTS.insert().values(**row))

    def deployments(
        self, environment: str, since: float | None = None, limit: int | None = None
    ) -> list[Deployment]:
        """The environment's deploys, newest first."""
        query = DEPLOYMENTS.select().where(DEPLOYMENTS.c.environment == environment)
        if since is not None:
            query = query.where(DEPLOYMENTS.c.started >= since)
        query = query.order_by(DEPLOYMENTS.c.started.desc(), DEPLOYMENTS.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("read") as connection:
            return [_deployment(row._mapping) for row in connection.execute(query)]

    def last_passing(self, environment: str) -> Deployment | None:
        """The newest deploy of ``environment`` that was deployed and verified, with metrics."""
        query = (
            DEPLOYMENTS.select()
            .where(DEPLOYMENTS.c.environment == environment)
            .where(DEPLOYMENTS.c.result == "deployed")
            .where(DEPLOYMENTS.c.metrics.is_not(None))
            .order_by(DEPLOYMENTS.c.started.desc(), DEPLOYMENTS.c.id.desc())
            .limit(1)
        )
        with self._transaction("read") as connection:
            row = connection.execute(query).first()
        return None if row is None else _deployment(row._mapping)

    def add_alerts(self, environment: str, count: int) -> Deployment | None:
        """Count ``count`` more fired alerts against the environment's latest started deploy."""
        with self._transaction("update") as connection:
            row = connection.execute(
                DEPLOYMENTS.select()
                .where(DEPLOYMENTS.c.environment == environment)
                .where(DEPLOYMENTS.c.refused.is_(False))
                .order_by(DEPLOYMENTS.c.started.desc(), DEPLOYMENTS.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            latest = _deployment(row._mapping)
            record = {**latest.record, "alerts": latest.alerts + count}
            connection.execute(
                DEPLOYMENTS.update()
                .where(DEPLOYMENTS.c.deploy_id == latest.deploy_id)
                .values(alerts=latest.alerts + count, record=json.dumps(record))
            )
        return latest

    def kpis(self, environment: str, since: float | None = None) -> Kpis:
        rows = self.deployments(environment, since)
        started = [row for row in rows if not row.refused]
        return Kpis(
            environment=environment,
            since=since,
            deployments=len(rows),
            refused=len(rows) - len(started),
            deployed=sum(row.result == "deployed" for row in started),
            rolled_back=sum(row.result == "rolled_back" for row in started),
            failed=sum(row.result == "failed" for row in started),
            rollbacks=sum(row.rolled_back for row in started),
            durations=tuple(row.duration_s for row in started),
            uptimes=tuple(
                row.uptime_percent
                for row in started
                if row.uptime_percent is not None and not math.isnan(row.uptime_percent)
            ),
            alerts=tuple(row.alerts for row in started),
        )

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[Connection]:
        if self._engine is None:
            self.prepare()
        assert self._engine is not None
        with self._errors(doing), self._engine.begin() as connection:
            yield connection

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise HistoryError(
                self.masker(
                    f"cannot {doing} the deployment history {self.url}: {cause}; check "
                    "[deploy] history_url (or --history-url) and that the database is reachable"
                )
            ) from None


def since_timestamp(seconds: float | None, now: float | None = None) -> float | None:
    return None if seconds is None else (now if now is not None else time.time()) - seconds


def _deployment(row: sa.RowMapping) -> Deployment:
    metrics = json.loads(row["metrics"]) if row["metrics"] else None
    return Deployment(
        deploy_id=row["deploy_id"],
        environment=row["environment"],
        started=float(row["started"]),
        duration_s=float(row["duration_s"]),
        result=row["result"],
        exit_code=int(row["exit_code"]),
        refused=bool(row["refused"]),
        rolled_back=bool(row["rolled_back"]),
        uptime_percent=row["uptime_percent"],
        longest_outage_s=row["longest_outage_s"],
        alerts=int(row["alerts"]),
        metrics=metrics,
        record=json.loads(row["record"]),
    )
