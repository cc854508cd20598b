"""The load plugin in real pytest sessions (pytester) against the loopback booking stub."""

from __future__ import annotations

import re
from pathlib import Path

import inner_session
import pytest
from booking_stub import BookingStub

SUITES = Path(__file__).resolve().parents[2] / "pytest_deploygate" / "suites" / "performance"
# Until plugin.py registers them, the load and gate plugins are named here; twice is harmless.
QUICK = ("--load-duration", "2", "--load-ramp-up", "0", "-p", "no:cacheprovider")

# A p95 ceiling no machine reaches: these runs prove the gate is evaluated, not that the stub
# is fast on a busy machine.
ENVIRONMENTS = """
[gates]
"load.p95_ms" = "< 60000"
"load.error_rate" = "< 0.1"

[environments.stub]
base_url = "{url}"
credentials.customer = {{ username = "customer@test.com", password = "pw" }}
load = {{ normal_users = 1, peak_users = 2 }}

[environments.hidden]
base_url = "${{DG_TEST_STUB_URL}}"
load = {{ normal_users = 1, peak_users = 2 }}

[environments.stub-key]  # a static API key as the customer's sign-in
base_url = "{url}"
credentials.customer = {{ username = "customer", password = "stub-customer-token" }}
platform.auth = {{ mode = "api_key" }}

[environments.stub-open]  # a platform without sign-in
base_url = "{url}"
credentials.customer = {{ username = "customer@test.com", password = "pw" }}
platform.auth = {{ mode = "none" }}

[environments.production]
sensitive = true
base_url = "{url}"
load = {{ normal_users = 1, peak_users = 2 }}
"""


@pytest.fixture
def project(pytester: pytest.Pytester, stub: BookingStub) -> pytest.Pytester:
    """A project with the hosted load suite and environments pointing at the stub."""
    pytester.makefile(".toml", environments=ENVIRONMENTS.format(url=stub.url))
    suite = pytester.mkdir("suites").joinpath("performance")
    suite.mkdir()
    suite.joinpath("test_load.py").write_text((SUITES / "test_load.py").read_text())
    return pytester


def test_a_load_test_passes_its_gates_and_links_locusts_report(
    project: pytest.Pytester, stub: BookingStub
) -> None:
    result = inner_session.run_sub(project, *QUICK, "--env=stub", "-rA", "--html=out/r.html")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.re_match_lines([r"10 users, \d+ requests, 0 failed .*p95 \d+ ms \(±[\d.]+\)"])
    result.stdout.re_match_lines(
        [r"load\.error_rate\s+< 0\.1\s.*PASS", r"load\.p95_ms\s+< 60000\s.*PASS"]
    )
    assert stub.bookings == {}, "the load test left bookings behind"
    html = (project.path / "out" / "r.html").read_text()
    links = re.findall(r"load/[^\"&]+?/load\.html", html)
    assert links, "no link to the Locust report in the pytest-html report"
    assert (project.path / "out" / links[0]).is_file()
    assert "Locust report (10 users)" in html


def test_a_secret_base_url_never_reaches_the_output_or_locusts_files(
    project: pytest.Pytester, stub: BookingStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DG_TEST_STUB_URL", stub.url)
    result = inner_session.run_sub(project, *QUICK, "--env=hidden", "-rA")
    result.assert_outcomes(passed=1)
    port = stub.url.rsplit(":", 1)[1]
    assert port not in result.stdout.str() + result.stderr.str()
    kept = [p for p in (project.path / "reports" / "load").rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in kept)
    leaking = [p.name for p in kept if f"127.0.0.1:{port}" in p.read_text(errors="replace")]
    assert leaking == [], f"the secret base_url is in {leaking}"


def test_load_is_refused_on_a_sensitive_environment_without_both_flags(
    project: pytest.Pytester, stub: BookingStub
) -> None:
    refused = inner_session.run_sub(project, *QUICK, "--env=production", "-rs")
    refused.assert_outcomes(skipped=1)
    refused.stdout.fnmatch_lines(["*refused on sensitive environment production*"])
    # (--allow-destructive alone is the core policy's case, tested with it)
    allowed = inner_session.run_sub(
        project, *QUICK, "--env=production", "--allow-destructive", "--allow-load"
    )
    allowed.assert_outcomes(passed=1)


def test_the_fixture_refuses_a_sensitive_environment_even_without_the_load_marker(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_unmarked="""
        def test_sneaky(load_test):
            load_test(users=1)
        """
    )
    result = inner_session.run_sub(
        project, *QUICK, "--env=production", "--allow-destructive", "test_unmarked.py", "-rs"
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*load refused on sensitive environment production; pass --allow-destructive "
         "--allow-load*"]
    )  # fmt: skip


def test_a_stress_test_puts_its_step_table_and_chart_in_the_report(
    project: pytest.Pytester, stub: BookingStub
) -> None:
    # A capacity of 3 requests at once (503 beyond): 1 user holds, 12 users break it on errors,
    # whatever this machine's speed (the p95 threshold is one no machine reaches).
    stub.delay_per_request_s = 0.02
    stub.max_in_flight = 3
    project.makepyfile(
        test_steps="""
        import pytest

        @pytest.mark.stress
        def test_steps(stress_test):
            stress = stress_test(
                users=[1, 12], step_duration=2, p95_ms=60000, error_rate=1,
                think_time=(0, 0.05),
            )
            assert stress.breaking_point == 12, stress.summary()
        """
    )
    result = inner_session.run_sub(
        project, *QUICK, "--env=stub", "test_steps.py", "--html=r.html", "-rA"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*breaking point at 12 users (error rate * % >= 1 %)*"])
    result.stdout.re_match_lines(
        [r"\s+1\s+\d+\s+0\.00\s+\d+ held", r"\s+12\s+\d+ .* broke: error rate"]
    )
    html = (project.path / "r.html").read_text()
    assert "deploygate-stress" in html and "breaking point" in html
    assert "svg" in html
    assert "Locust report (stress, 12 users)" in html


def test_a_bad_load_option_is_one_usage_error(project: pytest.Pytester) -> None:
    result = inner_session.run_sub(project, "--env=stub", "--load-users", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--load-users must be at least 1, got 0*"])


BOOK_AND_CANCEL = """
import pytest

@pytest.mark.load
def test_book(load_test):
    result = load_test(users=2, duration=2, ramp_up=0, think_time=(0, 0.05))
    print(sorted(e.name for e in result.endpoints))
"""


@pytest.mark.parametrize(
    ("env", "books"),
    [("stub", True), ("stub-key", True), ("stub-open", False)],
)
def test_the_mix_books_with_the_platforms_sign_in_or_says_it_is_read_only(
    project: pytest.Pytester, stub: BookingStub, env: str, books: bool
) -> None:
    project.makepyfile(test_book=BOOK_AND_CANCEL)
    result = inner_session.run_sub(project, *QUICK, f"--env={env}", "test_book.py", "-rA", "-s")
    result.assert_outcomes(passed=1)
    assert stub.bookings == {}, "the load test left bookings behind"
    if books:
        result.stdout.fnmatch_lines(["*'POST bookings', 'POST cancel'*"])
        assert stub.created > 0
        assert "read-only mix" not in result.stdout.str()
    else:
        assert stub.created == 0
        result.stdout.fnmatch_lines(
            ["read-only mix: no booking or cancelling ([[]platform.auth[]] mode = 'none': the "
             "platform has no sign-in)"]
        )  # fmt: skip
