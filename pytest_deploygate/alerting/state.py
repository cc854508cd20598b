"""Alert state in SQLite, so a CI job every five minutes remembers what it already paged about."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    rule TEXT NOT NULL,
    environment TEXT NOT NULL,
    breached_since REAL NOT NULL,
    firing_since REAL,
    last_sent REAL,
    sends INTEGER NOT NULL DEFAULT 0,
    last_value REAL,
    resolved_at REAL,
    PRIMARY KEY (rule, environment)
)
"""
_COLUMNS = (
    "rule, environment, breached_since, firing_since, last_sent, sends, last_value, resolved_at"
)


class AlertStateError(RuntimeError):
    """The state file cannot be opened or is not an alert state database."""


@dataclass(frozen=True)
class AlertState:
    """What is remembered about one rule in one environment while its condition holds."""

    rule: str
    environment: str
    #: When the condition was first seen breached (the ``for`` duration counts from here).
    breached_since: float
    #: When the alert fired; None while it is still pending its ``for`` duration.
    firing_since: float | None = None
    #: When a notice last reached at least one channel; None if none has yet.
    last_sent: float | None = None
    #: Notices delivered for this firing: the first one plus the re-sends.
    sends: int = 0
    last_value: float | None = None
    #: Set when the condition cleared but no channel took the resolved notice yet.
    resolved_at: float | None = None

    def updated(self, **changes: object) -> AlertState:
        return replace(self, **changes)  # type: ignore[arg-type]


class StateTransaction:
    """Reads and writes inside one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, rule: str, environment: str) -> AlertState | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM alert_state WHERE rule = ? AND environment = ?",
            (rule, environment),
        ).fetchone()
        return None if row is None else AlertState(*row)

    def put(self, state: AlertState) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO alert_state ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.rule,
                state.environment,
                state.breached_since,
                state.firing_since,
                state.last_sent,
                state.sends,
                state.last_value,
                state.resolved_at,
            ),
        )

    def delete(self, rule: str, environment: str) -> None:
        self._db.execute(
            "DELETE FROM alert_state WHERE rule = ? AND environment = ?", (rule, environment)
        )


class AlertStateStore:
    """One SQLite file; every change is a short transaction, so concurrent jobs can share it."""

    def __init__(self, path: str | Path, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._ready = False

    def prepare(self) -> None:
        """Create or check the file; done on first use, so a run with no rules leaves none."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                db.execute("BEGIN IMMEDIATE")
                db.execute(_SCHEMA)
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, _SCHEMA_VERSION):
                    db.execute("ROLLBACK")
                    raise AlertStateError(
                        f"{self.path}: alert state schema version {version} is not supported "
                        f"(expected {_SCHEMA_VERSION}); delete the file to start afresh"
                    )
                db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                db.execute("COMMIT")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise AlertStateError(
                f"{self.path}: cannot use it as the alert state file ({exc}); delete it or set "
                "[alerts] state_file to another path"
            ) from None
        self._ready = True

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)

    @contextmanager
    def transaction(self) -> Iterator[StateTransaction]:
        """A write transaction taken up front, so two jobs never decide on the same stale row."""
        if not self._ready:
            self.prepare()
        connection = self._connect()
        with closing(connection):
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield StateTransaction(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def get(self, rule: str, environment: str) -> AlertState | None:
        with self.transaction() as tx:
            return tx.get(rule, environment)

    def all(self) -> list[AlertState]:
        if not self._ready:
            self.prepare()
        with closing(self._connect()) as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM alert_state ORDER BY environment, rule"
            ).fetchall()
        return [AlertState(*row) for row in rows]
