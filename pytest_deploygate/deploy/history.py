"""The deployment history: every deploy appended to one table, read back for the KPIs.

SQLite beside the alert state by default (``reports/deploy-history.sqlite`` next to
``reports/alert-state.sqlite``; the standard library's sqlite3, so a core install can deploy),
or a PostgreSQL database a team's CI jobs share (``postgresql://...``; psycopg, the database
extra): ``--history-url``, ``$DEPLOYGATE_HISTORY_URL``, ``[deploy] history_url``. One row per
deploy, each change one short transaction, so concurrent jobs can share a store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.deploy.kpis import Deployment, Kpis
from pytest_deploygate.deploy.record import DeployRecord
from pytest_deploygate.masking import Masker, url_password

HISTORY_FILE = "deploy-history.sqlite"
#: A shared store for every command of a CI job, without repeating --history-url.
HISTORY_URL_VARIABLE = "DEPLOYGATE_HISTORY_URL"
TABLE = "deploygate_deployments"
COLUMNS = (
    "deploy_id",
    "environment",
    "started",
    "duration_s",
    "result",
    "exit_code",
    "refused",
    "rolled_back",  # a rollback ran (verified or not)
    "uptime_percent",
    "longest_outage_s",
    "alerts",
    "metrics",  # the verification's gate metrics and bands (JSON): a later deploy's baseline
    "record",  # the masked record (JSON), as --json writes it
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id {{serial}} PRIMARY KEY,
    deploy_id VARCHAR(64) NOT NULL UNIQUE,
    environment VARCHAR(200) NOT NULL,
    started DOUBLE PRECISION NOT NULL,
    duration_s DOUBLE PRECISION NOT NULL,
    result VARCHAR(16) NOT NULL,
    exit_code INTEGER NOT NULL,
    refused BOOLEAN NOT NULL,
    rolled_back BOOLEAN NOT NULL,
    uptime_percent DOUBLE PRECISION,
    longest_outage_s DOUBLE PRECISION,
    alerts INTEGER NOT NULL,
    metrics TEXT,
    record TEXT NOT NULL
)"""
_INDEX = f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_env_started ON {TABLE} (environment, started)"
_NEWEST_FIRST = "ORDER BY started DESC, id DESC"


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
class _Database:
    """Where the history is and how to talk to it: sqlite3 or psycopg, and its placeholder."""

    kind: str
    target: str  # a file path, or a libpq connection URI

    @classmethod
    def parse(cls, url: str) -> _Database:
        scheme, separator, rest = url.partition("://")
        if separator and scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
            return cls("sqlite", rest[1:])  # sqlite:///relative or sqlite:////absolute
        if separator and scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return cls("postgresql", f"postgresql://{rest}")
        raise ValueError(url)

    @property
    def placeholder(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def connect(self) -> Any:
        if self.kind == "sqlite":
            Path(self.target).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.target, timeout=30)
            connection.row_factory = sqlite3.Row
            return connection
        import psycopg  # the database extra
        from psycopg.rows import dict_row

        return psycopg.connect(self.target, connect_timeout=10, row_factory=dict_row)

    def errors(self) -> tuple[type[BaseException], ...]:
        if self.kind == "sqlite":
            return (sqlite3.Error, OSError)
        import psycopg

        return (psycopg.Error, OSError)


class HistoryStore:
    """The table of deploys at one URL; every method is one short transaction."""

    def __init__(self, url: str, masker: Masker | None = None) -> None:
        self.url = url
        self.masker = masker or Masker()
        self._database: _Database | None = None

    @property
    def shown_url(self) -> str:
        return self.masker(self.url)

    def prepare(self) -> HistoryStore:
        """Check the URL, connect, create the table if needed; HistoryError when unusable."""
        try:
            database = _Database.parse(self.url)
        except ValueError:
            raise HistoryError(
                f"history store {self.shown_url!r} is not a database URL; use sqlite:///PATH "
                "or postgresql://user@host/db ([deploy] history_url or --history-url)"
            ) from None
        if database.kind == "postgresql":
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise HistoryError(
                    f"history store {self.shown_url}: PostgreSQL needs psycopg; "
                    'pip install "pytest-deploygate[database]"'
                ) from None
        self._database = database
        serial = "INTEGER" if database.kind == "sqlite" else "BIGSERIAL"
        try:
            with self._transaction("open") as cursor:
                cursor.execute(_SCHEMA.format(serial=serial))
                cursor.execute(_INDEX)
        except HistoryError:
            # Another job created it between its check and ours (PostgreSQL): fine if it is there.
            with self._transaction("open") as cursor:
                cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return self

    def close(self) -> None:
        """Nothing stays open between transactions; kept for symmetry with other stores."""

    def append(self, record: DeployRecord) -> None:
        document = record.as_dict(self.masker)
        verification = record.verification
        metrics = (
            {"metrics": dict(verification.metrics), "bands": dict(verification.bands)}
            if verification is not None and verification.metrics
            else None
        )
        availability = record.availability
        row = (
            record.id,
            record.environment,
            record.started,
            record.duration_s,
            record.result,
            record.exit_code,
            record.refused,
            record.rollback is not None,
            availability.uptime_percent if availability else None,
            availability.longest_outage_s if availability else None,
            record.alerts,
            json.dumps(self.masker.mask_all(metrics)) if metrics else None,
            json.dumps(document),
        )
        marks = ", ".join([self._p] * len(COLUMNS))
        with self._transaction("record the deploy in") as cursor:
            cursor.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})", row)

    def deployments(
        self, environment: str, since: float | None = None, limit: int | None = None
    ) -> list[Deployment]:
        """The environment's deploys, newest first."""
        query = f"SELECT * FROM {TABLE} WHERE environment = {self._p}"
        values: list[Any] = [environment]
        if since is not None:
            query += f" AND started >= {self._p}"
            values.append(since)
        query += f" {_NEWEST_FIRST}"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._transaction("read") as cursor:
            cursor.execute(query, values)
            return [_deployment(row) for row in cursor.fetchall()]

    def last_passing(self, environment: str) -> Deployment | None:
        """The newest deploy of ``environment`` that was deployed and verified, with metrics."""
        query = (
            f"SELECT * FROM {TABLE} WHERE environment = {self._p} AND result = 'deployed' "
            f"AND metrics IS NOT NULL {_NEWEST_FIRST} LIMIT 1"
        )
        with self._transaction("read") as cursor:
            cursor.execute(query, (environment,))
            row = cursor.fetchone()
        return None if row is None else _deployment(row)

    def add_alerts(self, environment: str, count: int) -> Deployment | None:
        """Count ``count`` more fired alerts against the environment's latest started deploy."""
        with self._transaction("update") as cursor:
            cursor.execute(
                f"SELECT * FROM {TABLE} WHERE environment = {self._p} AND refused = {self._p} "
                f"{_NEWEST_FIRST} LIMIT 1",
                (environment, False),
            )
            row = cursor.fetchone()
            if row is None:
                return None
            latest = _deployment(row)
            record = {**latest.record, "alerts": latest.alerts + count}
            cursor.execute(
                f"UPDATE {TABLE} SET alerts = {self._p}, record = {self._p} "
                f"WHERE deploy_id = {self._p}",
                (latest.alerts + count, json.dumps(record), latest.deploy_id),
            )
        return latest

    def kpis(self, environment: str, since: float | None = None) -> Kpis:
        return Kpis.of(environment, since, self.deployments(environment, since))

    @property
    def _p(self) -> str:
        assert self._database is not None
        return self._database.placeholder

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[Any]:
        if self._database is None:
            self.prepare()
        database = self._database
        assert database is not None
        errors = database.errors()
        try:
            # `with connection` commits, or rolls back on an exception; closing() closes it.
            with closing(database.connect()) as connection, connection:
                cursor = connection.cursor()
                try:
                    yield cursor
                finally:
                    cursor.close()
        except errors as exc:
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise HistoryError(
                self.masker(
                    f"cannot {doing} the deployment history {self.url}: {lines[0]}; check "
                    "[deploy] history_url (or --history-url) and that the database is reachable"
                )
            ) from None


def since_timestamp(seconds: float | None, now: float | None = None) -> float | None:
    return None if seconds is None else (now if now is not None else time.time()) - seconds


def _deployment(row: Mapping[str, Any]) -> Deployment:
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
