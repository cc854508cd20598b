"""examples/ci/: the release pipeline tests the release, and no exit status is swallowed.

The shell pipeline runs with its tools stubbed by tiny scripts on PATH that log their call and
exit as told, so what is under test is the pipeline's control flow (the tools themselves are
tested elsewhere). The GitHub Actions workflow is checked for the same steps and the approval.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).parents[2] / "examples" / "ci"
SCRIPT = EXAMPLES / "deploy-with-gates.sh"
WORKFLOW = EXAMPLES / "deploy-with-gates.yml"
TOOLS = ("coverage", "pip-audit", "pytest", "deploygate", "deploy", "rollback")
# (a pattern of "tool args", the keyword argument of pipeline() giving its exit status)
RULES = (
    ("deploygate deploy --env staging*", "staging"),
    ("deploygate deploy --env production*", "production"),
    ("deploygate watch*", "watch"),
    ("pytest --env=staging*", "suites"),
    ("pip-audit*", "audit"),
)


BACKUP = '{"manifest": "backups/m.json", "schema_version": "2026.11.1"}'


def pipeline(
    tmp_path: Path,
    *,
    approved: bool = True,
    audit_report: bool = True,
    db_flags: str = "",
    **exits: int,
) -> tuple[int, list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    cases = f"    \"deploygate db backup\"*) echo '{BACKUP}';;\n"
    cases += "".join(f'    "{p.rstrip("*")}"*) exit {exits.get(k, 0)};;\n' for p, k in RULES)
    for tool in TOOLS:
        report = 'echo "{}" > reports/pip-audit.json; ' if audit_report else ""
        stub = bin_dir / tool
        stub.write_text(
            "#!/bin/sh\n"
            f'echo "{tool} $*" >> "{log}"\n'
            f'[ "{tool}" = pip-audit ] && {{ {report}:; }}\n'
            f'case "{tool} $*" in\n{cases}esac\nexit 0\n'
        )
        stub.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "DEPLOY_COMMAND": str(bin_dir / "deploy"),
        "ROLLBACK_COMMAND": str(bin_dir / "rollback"),
        "PRODUCTION_APPROVED": "yes" if approved else "",
        "DB_FLAGS": db_flags,
    }
    result = subprocess.run(
        ["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, calls, result.stdout + result.stderr


def called(calls: list[str], prefix: str) -> list[str]:
    return [call for call in calls if call.startswith(prefix)]


def test_green_pipeline_deploys_staging_tests_it_then_deploys_production(
    tmp_path: Path,
) -> None:
    status, calls, _ = pipeline(tmp_path)
    assert status == 0
    steps = [
        "deploygate deploy --env staging",
        "pytest --env=staging",
        "deploygate deploy --env production",
        "deploygate watch --env production",
    ]
    order = [next(i for i, call in enumerate(calls) if call.startswith(s)) for s in steps]
    assert order == sorted(order)
    (staging,) = called(calls, "deploygate deploy --env staging")
    assert f"--rollback sh -c '{tmp_path}/bin/rollback staging previous'" in staging
    assert staging.endswith(f"-- {tmp_path}/bin/deploy staging")
    (suites,) = called(calls, "pytest --env=staging")
    assert "--gate-strict" in suites and "--vuln-report reports/pip-audit.json" in suites
    # Strict needs every gate measurable: coverage.py's JSON carries functions, Cobertura not.
    assert "--coverage-report reports/coverage.json" in suites
    (production,) = called(calls, "deploygate deploy --env production")
    assert "--verify smoke" in production and "--rollback" in production
    assert "--follow-deploy" in called(calls, "deploygate watch")[0]
    # the release is tested, never the embedded reference platform
    assert not [call for call in calls if "--env=local" in call or "--env local" in call]


def test_with_migrations_the_database_goes_first_and_rolls_back_with_the_release(
    tmp_path: Path,
) -> None:
    (tmp_path / "migrations").mkdir()
    status, calls, _ = pipeline(tmp_path, db_flags="--allow-destructive")
    assert status == 0
    steps = [call.split(" --json")[0].split(" --from")[0] for call in calls]
    database = [s for s in steps if s.startswith(("deploygate db", "deploygate deploy"))]
    assert database == [
        "deploygate db migrate --env staging --migrations migrations --rehearse",
        "deploygate db backup --env staging",
        "deploygate db restore-check --env staging",
        "deploygate db migrate --env staging --migrations migrations",
        "deploygate deploy --env staging",
        "deploygate db backup --env production",
        "deploygate db restore-check --env production",
        "deploygate db migrate --env production --migrations migrations --allow-destructive",
        "deploygate deploy --env production",
    ]
    # the verified rollback restores the code and the database to the backup's version
    (production,) = called(calls, "deploygate deploy --env production")
    assert (
        f"--rollback sh -c '{tmp_path}/bin/rollback production previous && deploygate db "
        "rollback --env production --to 2026.11.1 --migrations migrations --allow-destructive'"
    ) in production


def test_without_approval_production_is_left_alone(tmp_path: Path) -> None:
    status, calls, out = pipeline(tmp_path, approved=False)
    assert status == 0
    assert called(calls, "pytest --env=staging")
    assert not called(calls, "deploygate deploy --env production")
    assert "set PRODUCTION_APPROVED=yes to deploy to production" in out


@pytest.mark.parametrize("deploy_exit", [3, 5, 4])
def test_a_staging_deploy_that_did_not_stay_stops_the_pipeline(
    tmp_path: Path, deploy_exit: int
) -> None:
    status, calls, _ = pipeline(tmp_path, staging=deploy_exit)
    assert status == deploy_exit
    assert not called(calls, "pytest --env=staging")
    assert not called(calls, "deploygate deploy --env production")


@pytest.mark.parametrize("pytest_exit", [1, 99])
def test_failed_tests_or_a_breached_gate_on_staging_stop_the_release(
    tmp_path: Path, pytest_exit: int
) -> None:
    status, calls, _ = pipeline(tmp_path, suites=pytest_exit)
    assert status == pytest_exit
    assert not called(calls, "deploygate deploy --env production")


@pytest.mark.parametrize("deploy_exit", [3, 5])
def test_a_rolled_back_or_unrestored_production_deploy_is_the_pipelines_status(
    tmp_path: Path, deploy_exit: int
) -> None:
    status, calls, _ = pipeline(tmp_path, production=deploy_exit)
    assert status == deploy_exit
    assert not called(calls, "deploygate watch")


def test_an_alert_still_firing_after_the_watch_fails_the_pipeline(tmp_path: Path) -> None:
    status, _, _ = pipeline(tmp_path, watch=1)
    assert status == 1


def test_vulnerabilities_found_go_to_the_gates(tmp_path: Path) -> None:
    # pip-audit exits 1 with a report: the vulnerabilities.* gates decide on staging
    status, calls, _ = pipeline(tmp_path, audit=1)
    assert status == 0
    assert called(calls, "pytest --env=staging")


@pytest.mark.parametrize(("audit", "report"), [(1, False), (2, True)])
def test_a_dependency_scan_that_failed_stops_the_pipeline(
    tmp_path: Path, audit: int, report: bool
) -> None:
    status, calls, out = pipeline(tmp_path, audit=audit, audit_report=report)
    assert status == audit
    assert "pip-audit did not produce a report" in out
    assert not called(calls, "deploygate deploy")


def test_the_workflow_runs_the_same_release_with_an_approval() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    jobs = workflow["jobs"]

    def commands(job: str) -> str:
        return "\n".join(step.get("run", "") for step in jobs[job]["steps"])

    assert "deploygate deploy --env staging" in commands("staging")
    assert "--rollback" in commands("staging")
    assert "pytest --env=staging" in commands("staging-suites")
    assert "--gate-strict" in commands("staging-suites")
    assert "--coverage-report reports/coverage.json" in commands("staging-suites")
    assert jobs["staging-suites"]["needs"] == "staging"
    production = jobs["production"]
    assert production["needs"] == "staging-suites"
    assert production["environment"] == "production"  # required reviewers approve here
    assert "deploygate deploy --env production --verify smoke" in commands("production")
    assert "--rollback" in commands("production")
    assert "deploygate gate --history --env production" in commands("kpis")
    assert "--env=local" not in WORKFLOW.read_text()


@pytest.mark.parametrize("example", [SCRIPT, WORKFLOW], ids=lambda path: path.name)
def test_no_exit_status_is_swallowed(example: Path) -> None:
    text = example.read_text()
    assert "|| true" not in text and "continue-on-error" not in text
    assert "set +e" not in text
