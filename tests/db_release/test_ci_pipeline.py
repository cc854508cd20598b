"""examples/ci/deploy-with-gates.sh with the real ``deploygate db`` on SQLite databases (the
other tools are stubs that log their call): the database is rehearsed on staging, backed up,
drilled and migrated before each release, and rolled back with it when it fails.

``deploygate deploy`` is a stub too (tests/deploy runs the real one): it succeeds, or, for the
environment in FAIL_ENV, runs its ``--rollback`` command as the real one does and exits 3 when
that succeeded (5 when not)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from db_release_support import prepare_reference

from pytest_deploygate.db_release.history import TABLE

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "examples" / "ci" / "deploy-with-gates.sh"
DEPLOYGATE = Path(sys.executable).parent / "deploygate"
STUBS = ("coverage", "pip-audit", "pytest", "deploy", "rollback")
ENVIRONMENTS = """
[platform.database]
versions = ["2025.01.0", "2026.11.1", "2027.01.0"]

[environments.staging]
base_url = "http://127.0.0.1:9"
database.url = "sqlite:///{folder}/staging.db"

[environments.production]
sensitive = true
base_url = "http://127.0.0.1:9"
database.url = "sqlite:///{folder}/production.db"
"""


DEPLOYGATE_STUB = """\
case "$1" in
    db) exec "{deploygate}" "$@";;
    deploy)
        env=""; rollback=""
        while [ $# -gt 0 ]; do
            case "$1" in --env) env=$2; shift;; --rollback) rollback=$2; shift;; --) break;; esac
            shift
        done
        if [ "$env" = "$FAIL_ENV" ]; then eval "$rollback" && exit 3; exit 5; fi;;
esac
exit 0"""


class Pipeline:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log = folder / "calls.log"
        for name in ("staging", "production"):
            prepare_reference(f"sqlite:///{folder / name}.db")
        (folder / "environments.toml").write_text(ENVIRONMENTS.format(folder=folder))
        shutil.copytree(REPO / "examples" / "migrations", folder / "migrations")

    def run(self, **env: str) -> int:
        bin_dir = self.folder / "bin"
        bin_dir.mkdir(exist_ok=True)
        for tool in STUBS:  # pip-audit writes its (empty) report, as the real one does
            report = 'echo "{}" > reports/pip-audit.json' if tool == "pip-audit" else ""
            self._stub(bin_dir / tool, f"{report}\nexit 0")
        self._stub(bin_dir / "deploygate", DEPLOYGATE_STUB.format(deploygate=DEPLOYGATE))
        result = subprocess.run(
            ["bash", str(SCRIPT)],
            cwd=self.folder,
            env={
                **os.environ,
                "PATH": f"{bin_dir}:/usr/bin:/bin",
                "DEPLOY_COMMAND": str(bin_dir / "deploy"),
                "ROLLBACK_COMMAND": str(bin_dir / "rollback"),
                "PRODUCTION_APPROVED": "yes",
                **env,
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.output = result.stdout + result.stderr
        return result.returncode

    def _stub(self, path: Path, body: str) -> None:
        path.write_text(f'#!/bin/sh\necho "{path.name} $*" >> "{self.log}"\n{body}\n')
        path.chmod(0o755)

    @property
    def calls(self) -> list[str]:
        return [" ".join(line.split()[:3]) for line in self.log.read_text().splitlines()]

    def version(self, name: str) -> str:
        with sqlite3.connect(self.folder / f"{name}.db") as connection:
            query = f"SELECT version FROM {TABLE} ORDER BY applied_at DESC LIMIT 1"
            return str(connection.execute(query).fetchone()[0])


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def test_the_database_is_rehearsed_backed_up_drilled_and_migrated_before_each_release(
    pipeline: Pipeline,
) -> None:
    status = pipeline.run(DB_FLAGS="--allow-destructive")

    assert status == 0, pipeline.output
    assert pipeline.version("production") == pipeline.version("staging") == "2027.01.0"
    steps = [
        call for call in pipeline.calls if call.startswith(("deploygate db", "deploygate deploy"))
    ]
    assert steps == [
        "deploygate db migrate",  # --rehearse on staging
        *("deploygate db backup", "deploygate db restore-check", "deploygate db migrate"),
        "deploygate deploy --env",  # staging
        *("deploygate db backup", "deploygate db restore-check", "deploygate db migrate"),
        "deploygate deploy --env",  # production
    ]
    backup = json.loads((pipeline.folder / "reports" / "db-backup-production.json").read_text())
    assert backup["schema_version"] == "2026.11.1"


def test_a_failed_release_rolls_the_database_back_with_the_code(pipeline: Pipeline) -> None:
    status = pipeline.run(DB_FLAGS="--allow-destructive", FAIL_ENV="production")

    assert status == 3, pipeline.output
    assert pipeline.calls[-2:] == ["rollback production previous", "deploygate db rollback"]
    assert pipeline.version("production") == "2026.11.1"
    assert pipeline.version("staging") == "2027.01.0"
    assert "at 2026.11.1, verified and recorded" in pipeline.output


def test_a_broken_migration_stops_the_pipeline_at_the_rehearsal(pipeline: Pipeline) -> None:
    (pipeline.folder / "migrations" / "2027.01.0_add_tenants.sql").write_text(
        "CREATE TABLE tenants (id INTEGER PRIMARY KEY);\nALTER TABLE nowhere ADD COLUMN x INT;\n"
    )

    status = pipeline.run(DB_FLAGS="--allow-destructive")

    assert status == 1
    assert "2027.01.0_add_tenants.sql line 2: ALTER TABLE nowhere ADD COLUMN x INT" in (
        pipeline.output
    )
    assert "deploygate deploy --env" not in pipeline.calls
    assert not (pipeline.folder / "backups").exists() or not any(
        "production" in p.name for p in (pipeline.folder / "backups").iterdir()
    )
    assert pipeline.version("production") == pipeline.version("staging") == "2026.11.1"


def test_a_sensitive_target_without_the_flag_is_refused_before_its_deploy(
    pipeline: Pipeline,
) -> None:
    status = pipeline.run()

    assert status == 4
    assert "production is sensitive: db migrate changes its database" in pipeline.output
    assert pipeline.calls.count("deploygate deploy --env") == 1  # staging only
    assert pipeline.version("production") == "2026.11.1"
