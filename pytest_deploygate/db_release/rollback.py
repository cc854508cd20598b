"""``deploygate db rollback --to VERSION``: the seed's database rollback plan, for real.

The plan: one step per recorded version newer than VERSION, newest first, each the statements
of that version's ``VERSION_description.down.sql``. A down file declares its step in comments:

    -- deploygate: data-impact = moderate       none | minimal | moderate | significant
    -- deploygate: critical = false             a failure is a warning, the step is undone
    -- deploygate: verify = SELECT 1 FROM ...   must return a row after the step (repeatable)
    -- deploygate: description = drop tenants

An undeclared data impact counts as significant. Preconditions, checked before anything
changes: the target version is known, a significant impact on a sensitive environment is
approved, no transaction on PostgreSQL is older than the limit, and a fresh backup restores.
Then one transaction: each step in a savepoint, its checks after it, the rollback recorded in
``schema_migrations``, the contract's checks at the target version; committed only when no
critical step and no check failed (rolled back at the end when rehearsing).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pytest_deploygate.config import DatabaseContract
from pytest_deploygate.database import QueryFailed, reason_of
from pytest_deploygate.db_release import history, postgres
from pytest_deploygate.db_release.backup import take_backup
from pytest_deploygate.db_release.contract import check_at_version, current_version
from pytest_deploygate.db_release.engines import RAW, opened, probing
from pytest_deploygate.db_release.errors import USAGE, ReleaseError
from pytest_deploygate.db_release.manifest import Manifest
from pytest_deploygate.db_release.migrations import MigrationSet, version_key
from pytest_deploygate.db_release.restore import restore_check
from pytest_deploygate.db_release.settings import ReleaseSettings
from pytest_deploygate.db_release.statements import (
    Statement,
    StatementFailed,
    read_statements,
    run_statements,
)

IMPACTS = ("none", "minimal", "moderate", "significant")
_DIRECTIVE = re.compile(r"^\s*--\s*deploygate\s*:(?P<rest>.*)$", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^\s*(?P<key>[a-z-]+)\s*=\s*(?P<value>.+?)\s*$")


@dataclass(frozen=True)
class RollbackStep:
    order: int
    version: str  # the version this step undoes
    path: Path
    description: str
    critical: bool = True
    data_impact: str = "significant"
    impact_declared: bool = False
    verify: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "undoes": self.version,
            "file": self.path.name,
            "description": self.description,
            "critical": self.critical,
            "data_impact": self.data_impact,
            "data_impact_declared": self.impact_declared,
            "verify": list(self.verify),
        }


@dataclass(frozen=True)
class RollbackPlan:
    current: str
    target: str
    steps: tuple[RollbackStep, ...]

    @property
    def data_impact(self) -> str:
        return max((s.data_impact for s in self.steps), key=IMPACTS.index, default="none")

    @property
    def undone(self) -> list[str]:
        return [step.version for step in self.steps]


def read_step(order: int, version: str, path: Path) -> RollbackStep:
    """A step from a down file's ``-- deploygate:`` comments; ReleaseError (usage) naming the
    file and line of a directive it cannot read."""
    fields: dict[str, Any] = {"description": path.name.removesuffix(".down.sql")}
    verify: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        directive = _DIRECTIVE.match(line)
        if directive is None:
            continue
        where = f"{path} line {number}"
        pair = _KEY_VALUE.match(directive["rest"])
        if pair is None:
            raise ReleaseError(f"{where}: write a directive as -- deploygate: key = value", USAGE)
        key, value = pair["key"].lower(), pair["value"]
        if key == "data-impact":
            if value.lower() not in IMPACTS:
                raise ReleaseError(
                    f"{where}: data-impact = {value!r}; use one of {', '.join(IMPACTS)}", USAGE
                )
            fields["data_impact"], fields["impact_declared"] = value.lower(), True
        elif key == "critical":
            if value.lower() not in ("true", "false"):
                raise ReleaseError(f"{where}: critical = {value!r}; use true or false", USAGE)
            fields["critical"] = value.lower() == "true"
        elif key == "verify":
            verify.append(value)
        elif key == "description":
            fields["description"] = value
        else:
            raise ReleaseError(
                f"{where}: unknown directive {key!r}; known: data-impact, critical, verify, "
                "description",
                USAGE,
            )
    return RollbackStep(order, version, path, verify=tuple(verify), **fields)


def build_plan(
    migrations: MigrationSet,
    recorded: dict[str, history.Applied],
    current: str | None,
    target: str,
    contract: DatabaseContract,
) -> RollbackPlan:
    """The steps from ``current`` back to ``target``; ReleaseError when the target is unknown
    or a version on the way has no down file."""
    if current is None:
        raise ReleaseError("the database records no schema version; there is nothing to undo")
    known = set(recorded) | set(contract.versions) | set(migrations.up) | set(migrations.down)
    if target not in known:
        raise ReleaseError(
            f"unknown target version {target}: not in schema_migrations, [platform.database] "
            f"versions or {migrations.directory}; known: "
            + ", ".join(sorted(known, key=version_key))
        )
    floor, top = version_key(target), version_key(current)
    if floor > top:
        raise ReleaseError(
            f"{target} is newer than the database's {current}; roll forward with deploygate db "
            "migrate",
            USAGE,
        )
    skipped = [v for v in recorded if version_key(v) < floor]
    if target not in recorded and skipped:
        raise ReleaseError(
            f"{target} was never applied here (schema_migrations has "
            f"{', '.join(sorted(recorded, key=version_key))}); pick one of those"
        )
    undo = sorted(
        (v for v in recorded if floor < version_key(v) <= top), key=version_key, reverse=True
    )
    missing = [v for v in undo if v not in migrations.down]
    if missing:
        raise ReleaseError(
            f"no down file for {', '.join(missing)} in {migrations.directory} "
            f"(VERSION_description.down.sql); write one, or roll back to {missing[-1]} or later"
        )
    steps = tuple(
        read_step(order, version, migrations.down[version])
        for order, version in enumerate(undo, start=1)
    )
    return RollbackPlan(current, target, steps)


@dataclass
class StepOutcome:
    step: RollbackStep
    ok: bool
    detail: str = ""


@dataclass
class RollbackResult:
    environment: str
    rehearse: bool
    plan: RollbackPlan
    preconditions: list[tuple[bool, str]] = field(default_factory=list)
    backup: Manifest | None = None
    outcomes: list[StepOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def steps_completed(self) -> int:
        return sum(outcome.ok for outcome in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "success": self.ok,
            "environment": self.environment,
            "rehearse": self.rehearse,
            "from_version": self.plan.current,
            "to_version": self.plan.target,
            "data_impact": self.plan.data_impact,
            "duration_ms": self.duration_ms,
            "steps_completed": self.steps_completed,
            "steps": [step.to_json() for step in self.plan.steps],
            "preconditions": [{"ok": ok, "check": text} for ok, text in self.preconditions],
            "backup": str(self.backup.path) if self.backup else None,
            "committed": self.committed,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def plan_rollback(
    settings: ReleaseSettings,
    contract: DatabaseContract,
    migrations: MigrationSet,
    target: str,
) -> RollbackPlan:
    with (
        opened(settings.url, settings.lock_timeout_seconds) as engine,
        engine.connect() as connection,
    ):
        recorded = history.read_history(connection)
        try:
            current = current_version(connection, contract) if recorded else None
        except QueryFailed as exc:
            raise ReleaseError(f"cannot tell the database's version: {exc}") from None
        connection.rollback()
    return build_plan(migrations, recorded, current, target, contract)


def refuse_unapproved(plan: RollbackPlan, sensitive: bool, approved: bool, env: str) -> None:
    """The seed: a significant data impact on production needs an additional approval."""
    if plan.data_impact == "significant" and sensitive and not approved:
        files = [s.path.name for s in plan.steps if s.data_impact == "significant"]
        undeclared = any(not s.impact_declared for s in plan.steps)
        why = " (undeclared impact counts as significant)" if undeclared else ""
        raise ReleaseError(
            f"rolling {env} back to {plan.target} has significant data impact{why}: "
            f"{', '.join(files)}; {env} is sensitive: approve it with --approve-data-impact",
            USAGE,
        )


def rollback(
    settings: ReleaseSettings,
    contract: DatabaseContract,
    plan: RollbackPlan,
    rehearse: bool = False,
) -> RollbackResult:
    """Check the preconditions, then run the plan in one transaction."""
    started = time.perf_counter()
    result = RollbackResult(settings.environment, rehearse, plan)
    result.preconditions.append((True, f"target version {plan.target} is known"))
    result.preconditions.append((True, f"data impact {plan.data_impact}"))
    if plan.steps and _preconditions_hold(settings, contract, result):
        with (
            opened(settings.url, settings.lock_timeout_seconds) as engine,
            engine.connect() as connection,
        ):
            _run(connection, contract, plan, result)
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _preconditions_hold(
    settings: ReleaseSettings, contract: DatabaseContract, result: RollbackResult
) -> bool:
    if settings.engine == "postgresql":
        limit = settings.max_transaction_seconds
        old, hidden = postgres.long_transactions(settings.url, limit)
        if old:
            result.preconditions.append(
                (False, f"{len(old)} transaction(s) open longer than {limit:g} s")
            )
            result.errors.append(
                f"a transaction has been open longer than {limit:g} s "
                f"(database.max_transaction_seconds): {'; '.join(t.describe() for t in old)}; "
                f"wait for it to end or end it (SELECT pg_terminate_backend({old[0].pid})), "
                "then run the rollback again"
            )
            return False
        result.preconditions.append((True, f"no transaction open longer than {limit:g} s"))
        if hidden:
            result.warnings.append(
                f"{hidden} session(s) of other roles are hidden from this user; grant it "
                "pg_read_all_stats so their transactions are checked too"
            )
    else:
        result.preconditions.append(
            (True, "long transactions: SQLite has no sessions to list; a writer waits at most "
             f"{settings.lock_timeout_seconds:g} s for the lock")
        )  # fmt: skip
    manifest, warnings = take_backup(settings, contract, reason="pre-rollback")
    result.backup = manifest
    result.warnings.extend(warnings)
    drill = restore_check(settings, contract, manifest.path)
    result.warnings.extend(drill.findings.warnings)
    if not drill.ok:
        result.preconditions.append((False, f"backup {manifest.file} does not restore"))
        result.errors.extend(f"backup: {error}" for error in drill.findings.errors)
        return False
    result.preconditions.append(
        (True, f"backup {manifest.file} restores ({len(drill.restored_tables)} tables, "
         f"{manifest.rows} rows)")
    )  # fmt: skip
    return True


def _run(
    connection: Connection, contract: DatabaseContract, plan: RollbackPlan, result: RollbackResult
) -> None:
    transaction = connection.begin()
    try:
        dialect = connection.dialect.name
        for step in plan.steps:
            problem = _run_step(connection, step, read_statements(step.path, dialect))
            result.outcomes.append(StepOutcome(step, problem is None, problem or ""))
            if problem is None:
                continue
            line = f"step {step.order} ({step.path.name}) failed: {problem}"
            if step.critical:
                result.errors.append(f"{line}; critical: the rollback stops here")
                break
            result.warnings.append(f"{line}; not critical: the step was undone, the plan goes on")
        if not result.errors:
            table = history.prepare(connection)
            by = f"deploygate rollback from {plan.current}"
            history.record_rollback(connection, table, plan.undone, plan.target, by)
            findings = check_at_version(connection, contract, plan.target)
            result.errors.extend(f"verification: {error}" for error in findings.errors)
            result.warnings.extend(findings.warnings)
    except sa.exc.DBAPIError as exc:
        result.errors.append(f"the rollback failed: {reason_of(exc)}")
    except BaseException:
        transaction.rollback()
        raise
    if result.errors or result.rehearse:
        transaction.rollback()
        if result.errors:
            result.errors.append(
                f"the rollback transaction was rolled back: the database is still at {plan.current}"
            )
    else:
        transaction.commit()
        result.committed = True


def _run_step(
    connection: Connection, step: RollbackStep, statements: list[Statement]
) -> str | None:
    savepoint = connection.begin_nested()
    try:
        run_statements(connection, step.path.name, statements)
        for query in step.verify:
            problem = _verify_problem(connection, query)
            if problem is not None:
                savepoint.rollback()
                return problem
    except StatementFailed as exc:
        savepoint.rollback()
        return str(exc)
    savepoint.commit()
    return None


def _verify_problem(connection: Connection, query: str) -> str | None:
    try:
        with probing(connection):
            row = connection.exec_driver_sql(query, execution_options=RAW).first()
    except sa.exc.DBAPIError as exc:
        return f"its check failed: {reason_of(exc)} ({query})"
    return None if row is not None else f"its check returned no row ({query})"
