"""examples/ci/deploy-with-gates.sh with the real ``deploygate db`` on SQLite databases (the
other tools are stubs that log their call): the database is rehearsed on staging, backed up,
drilled and migrated before the deploy, and rolled back with the release when it fails."""

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


class Pipeline:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log = folder / "calls.log"
        for name in ("staging", "production"):
            prepare_reference(f"sqlite:///{folder / name}.db")
        (folder / "environments.toml").write_text(ENVIRONMENTS.format(folder=folder))
        shutil.copytree(REPO / "examples" / "migrations", folder / "migrations")

    def run(self, smoke_failures: int = 0, **env: str) -> int:
        bin_dir = self.folder / "bin"
        bin_dir.mkdir(exist_ok=True)
        for tool in STUBS:
            # pytest -m smoke fails its first `smoke_failures` calls; everything else passes.
            calls = f'$(grep -c "pytest.*smoke" "{self.log}")'
            smoke = f'[ "{calls}" -le {smoke_failures} ] && exit 1'
            self._stub(bin_dir / tool, f'case "$*" in *smoke*) {smoke};; esac\nexit 0')
        self._stub(
            bin_dir / "deploygate", f'case "$1" in db) exec "{DEPLOYGATE}" "$@";; esac\nexit 0'
        )
        result = subprocess.run(
            ["bash", str(SCRIPT), "production"],
            cwd=self.folder,
            env={
                **os.environ,
                "PATH": f"{bin_dir}:/usr/bin:/bin",
                "DEPLOY_COMMAND": str(bin_dir / "deploy"),
                "ROLLBACK_COMMAND": str(bin_dir / "rollback"),
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


def test_the_database_is_rehearsed_backed_up_drilled_and_migrated_before_the_deploy(
    pipeline: Pipeline,
) -> None:
    status = pipeline.run(DB_FLAGS="--allow-destructive")

    assert status == 0, pipeline.output
    assert pipeline.version("production") == "2027.01.0"
    assert pipeline.version("staging") == "2026.11.1"  # rehearsed there, never changed
    db_calls = [call for call in pipeline.calls if call.startswith("deploygate db")]
    assert db_calls == [
        "deploygate db migrate",  # --rehearse on staging
        "deploygate db backup",
        "deploygate db restore-check",
        "deploygate db migrate",
    ]
    assert pipeline.calls.index("deploygate db migrate") < pipeline.calls.index("deploy production")
    backup = json.loads((pipeline.folder / "reports" / "db-backup.json").read_text())
    assert backup["schema_version"] == "2026.11.1"


def test_a_failed_verification_rolls_the_database_back_with_the_release(
    pipeline: Pipeline,
) -> None:
    status = pipeline.run(smoke_failures=1, DB_FLAGS="--allow-destructive")

    assert status == 3, pipeline.output
    assert pipeline.calls[-4:-2] == ["rollback production previous", "deploygate db rollback"]
    assert pipeline.version("production") == "2026.11.1"
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
    assert "deploy production" not in pipeline.calls
    assert not (pipeline.folder / "backups").exists() or not any(
        "production" in p.name for p in (pipeline.folder / "backups").iterdir()
    )
    assert pipeline.version("production") == pipeline.version("staging") == "2026.11.1"


def test_a_sensitive_target_without_the_flag_is_refused_before_the_deploy(
    pipeline: Pipeline,
) -> None:
    status = pipeline.run()

    assert status == 4
    assert "production is sensitive: db migrate changes its database" in pipeline.output
    assert "deploy production" not in pipeline.calls
    assert pipeline.version("production") == "2026.11.1"
