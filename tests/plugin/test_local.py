"""--env=local: the reference platform boots in-process, lazily, once per process, and the
smoke/health suites go green on it and red (naming the component) on a database fault."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import inner_session
import pytest
from inner_session import QUIET, outcomes_of, run_repository, suite_path
from plugin_support import Run

REPO = Path(__file__).resolve().parents[2]
LOCAL = '[environments.local]\nlaunch = "reference"\n'

RECORD_URL = """
    import json
    def pytest_sessionfinish(session):
        # The inner session's own worker id (the environment variable is the outer run's).
        worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
        with open(f"url-{worker}.json", "w") as handle:
            json.dump(session.config.option.base_url, handle)
"""


def refused(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        return sock.connect_ex((parts.hostname, parts.port)) != 0


def test_local_boots_the_platform_with_a_temporary_database(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None]
) -> None:
    environments(LOCAL)
    pytester.makeconftest(RECORD_URL)
    pytester.makepyfile(
        """
        import sqlalchemy

        def test_platform(api, base_url, deploy_env, deploy_db):
            assert base_url.startswith("http://127.0.0.1:") and deploy_env.base_url == base_url
            assert api.get("/api/health").json()["status"] == "pass"
            assert deploy_env.database_url.startswith("sqlite:///")
            with deploy_db.connect() as connection:
                assert connection.execute(sqlalchemy.text("SELECT count(*) FROM services")).scalar()
        """
    )
    run().assert_outcomes(passed=1)
    url = json.loads(pytester.path.joinpath("url-main.json").read_text())
    assert refused(url), "the platform kept serving after the session"


def test_the_signing_key_given_to_the_suites_does_not_outlive_the_session(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a process where the signing key variable is unset
    monkeypatch.delenv("DEPLOYGATE_JWT_SECRET", raising=False)
    environments(LOCAL)
    pytester.makepyfile(
        """
        import os

        def test_platform(api):
            assert os.environ["DEPLOYGATE_JWT_SECRET"]  # the launched platform's, for the suites
        """
    )
    # When a session boots the local platform in this process
    run().assert_outcomes(passed=1)
    # Then the key is gone with it: what runs next in the process does not inherit it
    assert "DEPLOYGATE_JWT_SECRET" not in os.environ


def test_local_does_not_boot_for_tests_that_do_not_use_it(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None]
) -> None:
    environments(LOCAL)
    pytester.makeconftest(RECORD_URL)
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def platform():  # the project's own fixture of the same name: not deploygate's
            return "mine"

        def test_pure(): pass

        def test_own_platform(platform): assert platform == "mine"
        """
    )
    run().assert_outcomes(passed=2)
    assert not json.loads(pytester.path.joinpath("url-main.json").read_text())


def test_unknown_fault_is_one_clear_message(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environments(LOCAL)
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-dwn")
    pytester.makepyfile("def test_one(api): pass")
    # In its own interpreter: pytest formats the stop's traceback with ast.parse, and in a
    # long-lived worker full of threads CPython 3.11 can fail that (gh-106905: "AST constructor
    # recursion depth mismatch"), an INTERNALERROR that is not the plugin's.
    result = inner_session.run_sub(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*deploygate: the reference platform (--env=local) did not start: unknown fault "
            "'database-dwn' in REFERENCE_APP_FAULTS; valid faults: *"
        ]
    )


def test_local_under_xdist_boots_one_platform_per_worker(
    pytester: pytest.Pytester, environments: Callable[[str], None]
) -> None:
    environments(LOCAL)
    pytester.makeconftest(RECORD_URL)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_booking_page(api, n):
            assert api.get("/book").status_code == 200
        """
    )
    result = inner_session.run_sub(pytester, "-n", "2")
    result.assert_outcomes(passed=8)
    urls = [json.loads(p.read_text()) for p in pytester.path.glob("url-gw*.json")]
    assert len(urls) == 2 and len(set(urls)) == 2, urls


SMOKE_AND_HEALTH = (
    "test_smoke::test_health_endpoint_passes",
    "test_smoke::test_home_page_renders",
    "test_smoke::test_booking_page_renders_services",
    "test_smoke::test_services_are_listed",
    "test_smoke::test_availability_answers",
    "test_health::test_health_is_health_json",
    "test_health::test_component_is_healthy[database]",
    "test_health::test_component_is_healthy[payment]",
    "test_health::test_component_is_healthy[email]",
    "test_health::test_component_is_healthy[sms]",
    "test_health::test_database_accepts_queries",
    "test_health::test_health_document_says_healthy",
)
NEED_THE_DATABASE = {
    "test_smoke::test_health_endpoint_passes",
    "test_smoke::test_home_page_renders",
    "test_smoke::test_booking_page_renders_services",
    "test_smoke::test_services_are_listed",
    "test_smoke::test_availability_answers",
    "test_health::test_component_is_healthy[database]",
    "test_health::test_database_accepts_queries",
    "test_health::test_health_document_says_healthy",  # the document says "fail"
}


def run_repository_suites(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return run_repository(
        pytester,
        "--env=local",
        "-m",
        "smoke or health",
        *suite_path("smoke", "health"),
        *QUIET,
        *args,
    )


def test_smoke_and_health_suites_pass_on_the_clean_platform(pytester: pytest.Pytester) -> None:
    result = run_repository_suites(pytester)
    # Every one of the 12 checks ran and passed (exit 99 would be one of the repository's
    # latency gates on a slow machine: not this test's business)
    outcomes = outcomes_of(pytester)
    assert result.ret in (pytest.ExitCode.OK, 99), result.stdout.str()
    assert {test: outcome for test, (outcome, _) in outcomes.items()} == dict.fromkeys(
        SMOKE_AND_HEALTH, "passed"
    )


def test_smoke_and_health_suites_name_the_component_when_the_database_is_down(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-down")
    result = run_repository_suites(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            "*health is 'fail' (HTTP 503); failing components: *database: database unavailable*",
            "*AssertionError: database is 'fail': database unavailable*",
            "FAILED *test_component_is_healthy?database?*",
            # Our own read-only query: the missing SQLite file is unreachable, not created.
            "*database.url (the database of the launched reference): could not connect to "
            "sqlite:///*does not exist*",
            "FAILED *test_database_accepts_queries*",
        ]
    )
    # Exactly the checks that need the database fail; the rest pass
    outcomes = {test: outcome for test, (outcome, _) in outcomes_of(pytester).items()}
    assert outcomes == {
        test: "failed" if test in NEED_THE_DATABASE else "passed" for test in SMOKE_AND_HEALTH
    }
