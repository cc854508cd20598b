"""Markers and the safety policy: suite folders, destructive on sensitive, environments(),
requires(), and the counting loopback server that proves refused tests send nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from plugin_support import Loopback, Run


def sensitive_env(url: str) -> str:
    return f"""
        [environments.prod]
        sensitive = true
        base_url = "{url}"
        services.payment = "{url}/pay"

        [environments.qa]
        base_url = "{url}"
    """


DESTRUCTIVE = """
    import pytest

    @pytest.mark.destructive
    def test_create_booking(api):
        api.post("/api/bookings", json={"customer": "deploygate"})

    @pytest.mark.destructive
    def test_cancel_booking(api):
        api.post("/api/bookings/1/cancel")

    @pytest.mark.load
    def test_load(api):
        api.post("/api/bookings", json={"load": True})

    def test_read_only(api):
        assert api.get("/api/services").status_code == 200
"""


def test_suite_folder_applies_the_marker(pytester: pytest.Pytester, run: Run) -> None:
    # Given tests in suites/smoke and suites/security, none decorated
    pytester.mkdir("suites")
    for suite in ("smoke", "security"):
        pytester.mkdir(f"suites/{suite}")
        pytester.path.joinpath(f"suites/{suite}/test_{suite}.py").write_text(
            "def test_one(): pass\n"
        )
    # When selecting with -m under --strict-markers, Then only that folder runs
    result = run("--strict-markers", "-m", "smoke", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*suites/smoke/test_smoke.py::test_one PASSED*"])


def test_markers_are_registered(pytester: pytest.Pytester, run: Run) -> None:
    result = run("--markers")
    result.stdout.fnmatch_lines_random(
        [
            "@pytest.mark.destructive: creates data or puts load on the target*",
            "@pytest.mark.environments(*names): run only on the named environments*",
            "@pytest.mark.requires(*parts): needs these parts configured*",
            "@pytest.mark.smoke: the smoke suite*",
            "@pytest.mark.load: *implies destructive*",
        ]
    )


def test_sensitive_environment_refuses_destructive_tests_and_sends_nothing(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    # Given a sensitive environment on a loopback server that counts requests
    environments(sensitive_env(server.url))
    pytester.makepyfile(DESTRUCTIVE)
    # When the destructive tests run without --allow-destructive
    result = run("--env=prod", "-rs")
    # Then they are skipped loudly and the server received no write at all
    result.assert_outcomes(passed=1, skipped=3)
    assert server.paths("POST") == []
    result.stdout.fnmatch_lines_random(
        [
            "*destructive test refused on sensitive environment prod; pass --allow-destructive*",
            "deploygate: policy skipped 3 destructive tests on prod (sensitive); "
            "pass --allow-destructive to run them",
        ]
    )


def test_allow_destructive_opts_in_but_load_needs_allow_load(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(sensitive_env(server.url))
    pytester.makepyfile(DESTRUCTIVE)
    result = run("--env=prod", "--allow-destructive", "-rs")
    result.assert_outcomes(passed=3, skipped=1)
    assert server.paths("POST") == ["/api/bookings", "/api/bookings/1/cancel"]
    result.stdout.fnmatch_lines(
        ["*load test refused on sensitive environment prod; pass --allow-load as well*"]
    )
    server.reset()
    run("--env=prod", "--allow-destructive", "--allow-load").assert_outcomes(passed=4)
    assert len(server.paths("POST")) == 3


def test_non_sensitive_environment_runs_destructive_tests(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(sensitive_env(server.url))
    pytester.makepyfile(DESTRUCTIVE)
    result = run("--env=qa")
    result.assert_outcomes(passed=4)
    assert "policy skipped" not in result.stdout.str()


def test_policy_count_is_in_the_html_report(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(sensitive_env(server.url))
    pytester.makepyfile(DESTRUCTIVE)
    run("--env=prod", "--html=reports/report.html").assert_outcomes(passed=1, skipped=3)
    html = pytester.path.joinpath("reports/report.html").read_text()
    assert "deploygate: policy skipped 3 destructive tests on prod (sensitive)" in html
    assert "Deploygate environment" in html and "prod (sensitive)" in html


def test_environments_and_requires_markers(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(sensitive_env(server.url))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.environments("staging", "local")
        def test_only_staging(deploy_env): pass

        @pytest.mark.environments("qa")
        def test_only_qa(deploy_env): pass

        @pytest.mark.requires("payment")
        def test_payment(deploy_env): pass

        @pytest.mark.requires("database")
        def test_database(deploy_env): pass
        """
    )
    result = run("--env=prod", "-rs")
    result.assert_outcomes(passed=1, skipped=3)
    result.stdout.fnmatch_lines_random(
        [
            "*runs only on staging, local; this is prod*",
            "*runs only on qa; this is prod*",
            "*requires database: prod has no database.url (add it to ?environments.prod?)*",
        ]
    )
    run("--env=qa", "-rs").stdout.fnmatch_lines(
        [
            "*requires payment: not configured for qa (add services.payment or "
            "credentials.payment to ?environments.qa?)*"
        ]
    )
