"""Backup and restore-check times of the reference platform's database with 100,000 bookings.

SQLite (a temporary file) always; PostgreSQL in a scratch database of its own when
DEPLOYGATE_TEST_POSTGRES_URL (or --postgres URL) names a server. Each figure is the median of
--repeat runs of ``take_backup`` and ``restore_check`` (what ``deploygate db backup`` and
``deploygate db restore-check`` run, without the command's start-up). Prints one JSON document.

    .venv/bin/python benchmarks/db_release.py [--bookings 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pytest_deploygate.config.contract import database_contract
from pytest_deploygate.db_release.backup import take_backup
from pytest_deploygate.db_release.restore import restore_check
from pytest_deploygate.db_release.settings import ReleaseSettings
from pytest_deploygate.reference.db import Database, bookings, slot_claims
from pytest_deploygate.reference.seed import seed
from pytest_deploygate.reference.settings import Settings

CHUNK = 5_000


def prepare(url: str, count: int) -> None:
    """The reference schema and seed data, then ``count`` confirmed bookings with their slots."""
    database = Database(Settings(database_url=url))
    try:
        database.create_schema()
        with database.write() as connection:
            seed(connection, Settings(database_url=url))
            for start in range(0, count, CHUNK):
                rows, claims = _bookings(start, min(CHUNK, count - start))
                connection.execute(bookings.insert(), rows)
                connection.execute(slot_claims.insert(), claims)
    finally:
        database.dispose()


def _bookings(start: int, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, claims = [], []
    employees = ("thandi", "sipho", "lerato")
    services = ("haircut", "massage", "manicure")
    created = datetime(2027, 1, 1, tzinfo=UTC)
    for n in range(start, start + count):
        booking_id = str(uuid.UUID(int=n + 1))
        employee = n % 3
        cell = n // 3
        day = date(2027, 1, 4) + timedelta(days=cell // 32)
        slot = f"{8 + (cell % 32) // 4:02d}:{(cell % 4) * 15:02d}"
        rows.append(
            {
                "id": booking_id,
                "reference": f"BK{n:08d}",
                "service_id": services[employee],
                "employee_id": employees[employee],
                "scheduled_date": day,
                "scheduled_time": slot,
                "duration_minutes": 15,
                "customer_name": f"Customer {n}",
                "customer_email": f"customer{n}@example.test",
                "customer_phone": "+27 21 555 0100",
                "status": "confirmed",
                "payment_status": "pending",
                "created_at": created,
            }
        )
        claims.append(
            {
                "employee_id": employees[employee],
                "slot_date": day,
                "slot_time": slot,
                "booking_id": booking_id,
            }
        )
    return rows, claims


def measure(url: str, engine: str, workdir: Path, repeat: int) -> dict[str, Any]:
    settings = ReleaseSettings(
        environment="benchmark",
        url=url,
        engine=engine,
        backup_dir=workdir / "backups",
        migrations_dir=workdir / "migrations",
        scratch_url=None,
        max_transaction_seconds=60.0,
        lock_timeout_seconds=30.0,
        command_timeout_seconds=3600.0,
    )
    contract = database_contract({})  # the reference platform's (the schema's defaults)
    backups, drills = [], []
    manifest = None
    for _ in range(repeat):
        started = time.perf_counter()
        manifest, _warnings = take_backup(settings, contract)
        backups.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = restore_check(settings, contract, manifest.path)
        drills.append((time.perf_counter() - started) * 1000)
        if not result.ok:
            raise SystemExit(f"restore-check failed: {result.findings.errors}")
    assert manifest is not None
    return {
        "bookings": manifest.tables["bookings"],
        "rows": manifest.rows,
        "backup_bytes": manifest.size_bytes,
        "backup_ms": round(statistics.median(backups), 1),
        "restore_check_ms": round(statistics.median(drills), 1),
        "backup_ms_runs": [round(v, 1) for v in backups],
        "restore_check_ms_runs": [round(v, 1) for v in drills],
        "tool": manifest.tool,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    report: dict[str, Any] = {"bookings": args.bookings, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="deploygate-bench-") as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir / 'reference.db'}"
        started = time.perf_counter()
        prepare(url, args.bookings)
        report["sqlite"] = {
            "prepare_s": round(time.perf_counter() - started, 1),
            **measure(url, "sqlite", workdir / "sqlite", args.repeat),
        }
        if args.postgres:
            report["postgresql"] = _postgres(args.postgres, args.bookings, workdir, args.repeat)
        else:
            report["postgresql"] = "skipped: no DEPLOYGATE_TEST_POSTGRES_URL"
    print(json.dumps(report, indent=2))


def _postgres(server: str, count: int, workdir: Path, repeat: int) -> dict[str, Any]:
    base = sa.make_url(server).set(drivername="postgresql+psycopg")
    name = f"deploygate_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        prepare(url, count)
        return {
            "prepare_s": round(time.perf_counter() - started, 1),
            **measure(url, "postgresql", workdir / "postgresql", repeat),
        }
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
