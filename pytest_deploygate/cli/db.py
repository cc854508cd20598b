"""``deploygate db``: back up, drill, migrate and roll back an environment's database.

Registered by the main command as ``Command(HELP, add_arguments, run, needs_environment=False)``
(each action takes --env itself, so ``deploygate db backup --env staging`` reads naturally).
Exit status: 0 done (or rehearsed) and verified; 1 a check failed (the restore drill, a
migration, the contract, a precondition, a critical rollback step); 4 usage or configuration
(bad environments.toml, a missing --allow-destructive or --approve-data-impact, a bad migrations
directory or directive, missing PostgreSQL client tools). Every line printed is masked.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from pytest_deploygate.config import Environment, load_environment
from pytest_deploygate.db_release.errors import FAILED, OK, USAGE, ReleaseError
from pytest_deploygate.masking import Masker

if TYPE_CHECKING:  # SQLAlchemy is imported only when a db action runs, not for every command
    from pytest_deploygate.config import DatabaseContract
    from pytest_deploygate.db_release.settings import ReleaseSettings

    Action = Callable[
        [argparse.Namespace, Environment, ReleaseSettings, DatabaseContract, "Output"], int
    ]

HELP = "back up, restore-check, migrate or roll back the environment's database (exit 0/1/4)"


class Output:
    """Masked lines on stdout, or one masked JSON document with --json."""

    def __init__(self, masker: Masker, as_json: bool) -> None:
        self.masker = masker
        self.as_json = as_json

    def line(self, text: str = "") -> None:
        if not self.as_json:
            print(self.masker(text))

    def document(self, document: dict[str, Any]) -> None:
        if self.as_json:
            print(self.masker(json.dumps(document, indent=2)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    for name, (help_text, add) in _ACTIONS.items():
        sub = actions.add_parser(name, help=help_text, description=help_text)
        # Help texts: what the option does, then its default.
        sub.add_argument(
            "--env", default="local", metavar="NAME", help="environment (default: local)"
        )
        sub.add_argument(
            "--environments-file",
            type=Path,
            metavar="PATH",
            help="environments file (default: ./environments.toml or a parent's)",
        )
        add(sub)
        sub.add_argument(
            "--json", action="store_true", help="print the result as one JSON document"
        )


def run(args: argparse.Namespace) -> int:
    from pytest_deploygate import extras
    from pytest_deploygate.cli.common import environments_file

    absent = extras.missing("database")
    if absent:
        print(
            f"deploygate db {args.db_action}: needs the database extra ({', '.join(absent)} not "
            f"installed): {extras.install_hint('database')}",
            file=sys.stderr,
        )
        return USAGE
    from pytest_deploygate.database import contract_of
    from pytest_deploygate.db_release.settings import release_settings

    env = load_environment(environments_file(args), args.env)
    settings = release_settings(env)
    out = Output(settings.masker, args.json)
    action: Action = _RUNNERS[args.db_action]
    try:
        with _terminate_cleanly():
            return action(args, env, settings, contract_of(env), out)
    except ReleaseError as exc:
        print(f"deploygate db {args.db_action}: {settings.masker(str(exc))}", file=sys.stderr)
        return exc.status


# --- backup -----------------------------------------------------------------------------------


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help="where to write the backup and its manifest (default: database.backup_dir, backups)",
    )


def _backup(
    args: argparse.Namespace,
    env: Environment,
    settings: ReleaseSettings,
    contract: DatabaseContract,
    out: Output,
) -> int:
    from pytest_deploygate.database import masked_url
    from pytest_deploygate.db_release.backup import take_backup

    manifest, warnings = take_backup(settings, contract, to=args.to)
    out.document({**manifest.to_json(), "manifest": str(manifest.path), "warnings": warnings})
    out.line(f"deploygate db backup: {env.name} ({masked_url(settings.url)})")
    out.line(
        f"  schema version {manifest.schema_version or 'unknown'}; {len(manifest.tables)} "
        f"tables, {manifest.rows:,} rows"
    )
    out.line(
        f"  {manifest.backup_path} ({_size(manifest.size_bytes)}, SHA-256 "
        f"{manifest.sha256[:16]}…) in {manifest.duration_ms / 1000:.2f} s"
    )
    out.line(f"  manifest {manifest.path}")
    for warning in warnings:
        out.line(f"  warning: {warning}")
    return OK


# --- restore-check ----------------------------------------------------------------------------


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        required=True,
        metavar="BACKUP",
        help="a backup file, its manifest, or a directory (its newest backup of --env)",
    )


def _restore_check(
    args: argparse.Namespace,
    env: Environment,
    settings: ReleaseSettings,
    contract: DatabaseContract,
    out: Output,
) -> int:
    from pytest_deploygate.db_release.restore import restore_check

    result = restore_check(settings, contract, args.source)
    manifest = result.manifest
    out.document(result.to_json())
    out.line(
        f"deploygate db restore-check: {manifest.backup_path} ({manifest.environment}, "
        f"{manifest.schema_version or 'no version'}, taken {manifest.created_at})"
    )
    if result.scratch:
        out.line(f"  restored into {result.scratch}")
    _findings(out, result.findings.errors, result.findings.warnings)
    rows = sum(result.restored_tables.values())
    verdict = "passed" if result.ok else "FAILED"
    out.line(
        f"deploygate db restore-check: {verdict} ({len(result.restored_tables)} tables, "
        f"{rows:,} rows restored, in {result.duration_ms / 1000:.2f} s)"
    )
    return OK if result.ok else FAILED


# --- migrate ----------------------------------------------------------------------------------


def _change_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--migrations",
        type=Path,
        metavar="DIR",
        help="the VERSION_description[.down].sql files (default: database.migrations_dir, "
        "migrations)",
    )
    parser.add_argument(
        "--rehearse",
        action="store_true",
        help="do everything, then roll the transaction back: nothing changes",
    )
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="needed on a sensitive environment (also to rehearse: it takes the same locks)",
    )


def _migrate(
    args: argparse.Namespace,
    env: Environment,
    settings: ReleaseSettings,
    contract: DatabaseContract,
    out: Output,
) -> int:
    from pytest_deploygate.db_release.migrations import discover, migrate

    _refuse_on_sensitive(env, args)
    migrations = discover(_migrations_dir(args, settings))
    result = migrate(settings, contract, migrations, rehearse=args.rehearse)
    out.document(result.to_json())
    mode = " (rehearsal)" if args.rehearse else ""
    out.line(f"deploygate db migrate{mode}: {env.name} at {result.from_version or 'no version'}")
    if result.backup is not None:
        out.line(f"  backup {result.backup.path}")
    for name in result.applied:
        out.line(f"  applied {name}")
    _findings(out, result.findings.errors, result.findings.warnings)
    took = f"{result.duration_ms / 1000:.2f} s"
    if not result.ok:
        out.line(f"deploygate db migrate{mode}: FAILED; the database is unchanged ({took})")
        return FAILED
    if not result.applied:
        out.line(f"deploygate db migrate: nothing to apply; the contract holds ({took})")
    elif args.rehearse:
        out.line(
            f"deploygate db migrate (rehearsal): {result.from_version} → {result.to_version} "
            f"verified, then rolled back; the database is unchanged ({took})"
        )
    else:
        out.line(
            f"deploygate db migrate: {result.from_version} → {result.to_version}, the contract "
            f"verified and committed ({took})"
        )
    return OK


# --- rollback ---------------------------------------------------------------------------------


def _rollback_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to", dest="target", required=True, metavar="VERSION", help="the version to return to"
    )
    _change_arguments(parser)
    parser.add_argument(
        "--approve-data-impact",
        action="store_true",
        help="approve a plan whose data impact is significant on a sensitive environment",
    )


def _rollback(
    args: argparse.Namespace,
    env: Environment,
    settings: ReleaseSettings,
    contract: DatabaseContract,
    out: Output,
) -> int:
    from pytest_deploygate.db_release.migrations import discover
    from pytest_deploygate.db_release.rollback import plan_rollback, refuse_unapproved, rollback

    _refuse_on_sensitive(env, args)
    migrations = discover(_migrations_dir(args, settings))
    plan = plan_rollback(settings, contract, migrations, args.target)
    refuse_unapproved(plan, env.sensitive, args.approve_data_impact, env.name)
    mode = " (rehearsal)" if args.rehearse else ""
    if not plan.steps:
        out.document({"success": True, "from_version": plan.current, "to_version": plan.target})
        out.line(f"deploygate db rollback: {env.name} is at {plan.target}; nothing to roll back")
        return OK
    result = rollback(settings, contract, plan, rehearse=args.rehearse)
    out.document(result.to_json())
    out.line(
        f"deploygate db rollback{mode}: {env.name} from {plan.current} to {plan.target}; "
        f"{len(plan.steps)} step(s), data impact {plan.data_impact}"
    )
    for step in plan.steps:
        kind = "critical" if step.critical else "non-critical"
        impact = step.data_impact + ("" if step.impact_declared else " (undeclared)")
        out.line(f"  {step.order}. {step.path.name}: {step.description} [{kind}, impact {impact}]")
    out.line("preconditions:")
    for ok, text in result.preconditions:
        out.line(f"  {'ok  ' if ok else 'FAIL'} {text}")
    if result.outcomes:
        out.line("steps:")
    for outcome in result.outcomes:
        state = "done" if outcome.ok else "FAIL"
        out.line(f"  {state} {outcome.step.order}. {outcome.step.path.name}")
    _findings(out, result.errors, result.warnings)
    summary = (
        f"{result.steps_completed}/{len(plan.steps)} steps, {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s), {result.duration_ms / 1000:.2f} s"
    )
    if not result.ok:
        out.line(f"deploygate db rollback{mode}: FAILED; still at {plan.current} ({summary})")
        return FAILED
    done = "verified, then rolled back (unchanged)" if args.rehearse else "verified and recorded"
    out.line(f"deploygate db rollback{mode}: at {plan.target}, {done} ({summary})")
    return OK


# --- shared -----------------------------------------------------------------------------------


def _refuse_on_sensitive(env: Environment, args: argparse.Namespace) -> None:
    if env.sensitive and not args.allow_destructive:
        raise ReleaseError(
            f"{env.name} is sensitive: db {args.db_action} changes its database; add "
            "--allow-destructive to run it (db backup and db restore-check only read and need "
            "no flag)",
            USAGE,
        )


def _migrations_dir(args: argparse.Namespace, settings: ReleaseSettings) -> Path:
    return Path(args.migrations) if args.migrations is not None else settings.migrations_dir


def _findings(out: Output, errors: list[str], warnings: list[str]) -> None:
    for error in errors:
        out.line(f"  error: {error}")
    for warning in warnings:
        out.line(f"  warning: {warning}")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) ends the command through its ``finally`` blocks, so
    transactions roll back and scratch databases are dropped."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_ACTIONS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "backup": (
        "back the database up (pg_dump custom format or SQLite's online backup) with a "
        "manifest; read-only",
        _backup_arguments,
    ),
    "restore-check": (
        "restore a backup into a scratch database, run the database contract on it and "
        "compare row counts with its manifest",
        _restore_arguments,
    ),
    "migrate": (
        "apply pending VERSION_description.sql files in one transaction after a backup; "
        "verified by the database contract, rolled back on any failure",
        _change_arguments,
    ),
    "rollback": (
        "roll back to VERSION with the *.down.sql plan: preconditions, a drilled backup, "
        "steps, verification, recorded in schema_migrations",
        _rollback_arguments,
    ),
}

_RUNNERS: dict[str, Action] = {
    "backup": _backup,
    "restore-check": _restore_check,
    "migrate": _migrate,
    "rollback": _rollback,
}
