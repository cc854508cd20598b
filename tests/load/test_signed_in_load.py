"""The load mix books and cancels as the signed-in customer, whatever the platform's sign-in and
request shape: the reference platform in its seed shape (``--env=local``: JSON login, bearer
token) and its session shape (``--env=local-session``: form login, session cookie and CSRF token,
form bodies with other field names under ``/api/v1/``). Real Locust, real platform on loopback.
"""

from __future__ import annotations

import json
from pathlib import Path

import inner_session
import pytest

REPO = Path(__file__).resolve().parents[2]

# A short run with little think time: a few bookings in a few seconds, whatever the machine.
# After the run the test lists the customer's bookings through the platform's own API: every
# booking the load made (tagged with the run id) is there, and cancelled. It also leaves the
# customer's header and cookie values in secrets.json, for the outer test to look for.
LOAD_TEST = """
import json
from pathlib import Path

import pytest

from pytest_deploygate.session.state import SESSION_KEY


@pytest.mark.load
def test_visitors_book_and_cancel(load_test, customer_api, platform, deploygate_run_id,
                                  pytestconfig):
    result = load_test(users=2, duration=4, ramp_up=0, think_time=(0, 0.05))
    by_name = {e.name: e for e in result.endpoints}
    assert {"POST bookings", "POST cancel"} <= set(by_name), (sorted(by_name), result.errors)
    assert result.failures == 0, result.errors

    listing = customer_api.get(platform.endpoint("bookings"))
    assert listing.status_code == 200, listing.text
    made = [b for b in listing.json() if b.get("notes") == f"deploygate-{deploygate_run_id}"]
    assert len(made) == by_name["POST cancel"].requests > 0
    assert {b["status"] for b in made} == {"cancelled"}, made

    signed = pytestconfig.stash[SESSION_KEY].signed_in["customer"]
    Path("secrets.json").write_text(json.dumps(signed.secrets + [c.value for c in signed.cookies]))
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", environments=(REPO / "environments.toml").read_text())
    pytester.makepyfile(test_signed_in=LOAD_TEST)
    return pytester


def _locust_files(project: pytest.Pytester) -> list[Path]:
    return [p for p in (project.path / "reports" / "load").rglob("*") if p.is_file()]


@pytest.mark.parametrize("env", ["local-session", "local"])
def test_the_load_mix_books_and_cancels_as_the_signed_in_customer(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    result = inner_session.run_sub(project, f"--env={env}", "-m", "load", "-rA")
    result.assert_outcomes(passed=1)
    assert "read-only mix" not in result.stdout.str()

    # No header or cookie value of the customer shows in anything Locust wrote
    secrets = json.loads((project.path / "secrets.json").read_text())
    assert secrets, "the customer signed in with no header or cookie"
    files = _locust_files(project)
    assert {p.suffix for p in files} >= {".html", ".log", ".csv", ".json"}, files
    leaking = [p.name for p in files if any(s in p.read_text(errors="replace") for s in secrets)]
    assert leaking == [], f"a customer secret is in {leaking}"


def test_without_a_customer_the_mix_is_read_only_and_the_report_says_so(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    project.makepyfile(
        test_signed_in="""
        import pytest

        @pytest.mark.load
        def test_browse(load_test):
            result = load_test(users=1, duration=2, ramp_up=0, think_time=(0, 0.05))
            assert {e.name for e in result.endpoints} == {"GET services", "GET availability"}
        """
    )
    environments = (project.path / "environments.toml").read_text()
    start = environments.index("[environments.local-session]")
    session = environments[start:].replace("credentials.customer =", "# credentials.customer =")
    project.makefile(".toml", environments=environments[:start] + session)
    result = inner_session.run_sub(project, "--env=local-session", "-m", "load", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["read-only mix: no booking or cancelling (environment local-session has no "
         "credentials.customer)"]
    )  # fmt: skip
