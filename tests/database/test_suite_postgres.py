"""The database suite on PostgreSQL (runs where DEPLOYGATE_TEST_POSTGRES_URL is set): the
reference platform on a database of its own is green; a wrong password is one masked line."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from database_support import run_suite

ENVIRONMENTS = """
[gates]
"db.query_p95_ms" = "< 60000"  # evaluated, never breached: not a speed check

[environments.pg]
launch = "reference"
database.url = "${DEPLOYGATE_DB_SUITE_URL}"

[environments.production]
sensitive = true  # the suite only reads: the safety policy lets it run here
base_url = "http://127.0.0.1:9"
database.url = "${PRODUCTION_DATABASE_URL}"
"""


@pytest.fixture
def environments(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "environments.toml"
    path.write_text(ENVIRONMENTS, encoding="utf-8")
    return path


def test_reference_platform_on_postgres_is_green(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    environments: Path,
    postgres_database: str,
) -> None:
    monkeypatch.setenv("DEPLOYGATE_DB_SUITE_URL", postgres_database)

    result = run_suite(pytester, monkeypatch, env="pg", environments=environments)

    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["db.query_p95_ms*< 60000*ms*PASS"])  # column widths vary


def test_a_wrong_password_is_one_masked_line_everywhere(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    environments: Path,
    password_server: str,
) -> None:
    wrong = f"wrong-{secrets.token_hex(6)}"
    url = sa.make_url(password_server).set(password=wrong)
    monkeypatch.setenv("PRODUCTION_DATABASE_URL", url.render_as_string(hide_password=False))

    result = run_suite(
        pytester, monkeypatch, "--no-preflight", env="production", environments=environments
    )

    result.assert_outcomes(errors=1, skipped=4)
    line = (
        "environments.toml: [environments.production] database.url: could not connect to "
        f"postgresql+psycopg://app:***@{url.host}:{url.port}/postgres: "
        'password authentication failed for user "app"; check PRODUCTION_DATABASE_URL'
    )
    assert result.stdout.lines.count(line) == 1, result.stdout.str()
    assert "Traceback" not in result.stdout.str()
    for output in (result.stdout.str(), result.stderr.str(), *_reports(pytester)):
        assert wrong not in output


def _reports(pytester: pytest.Pytester) -> list[str]:
    return [
        (pytester.path / name).read_text(encoding="utf-8") for name in ("report.html", "gates.json")
    ]
