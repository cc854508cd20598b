"""A missing real part (Chromium, PostgreSQL, a Pushgateway) skips locally and is an error under
CI=true: tests/conftest.py turns those skips into failures, so CI cannot go green by skipping."""

from __future__ import annotations

from pathlib import Path

import pytest
from inner_session import run

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
TESTS = """
import pytest

@pytest.mark.skipif(True, reason="DEPLOYGATE_TEST_POSTGRES_URL is not set")
def test_postgres():
    pass

@pytest.mark.skipif(True, reason="needs a Chromium")
def test_browser():
    pass

def test_pushgateway():
    pytest.skip("needs prometheus-pushgateway (apt-get install prometheus-pushgateway)")

def test_not_applicable():
    pytest.skip("nothing to check here")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    # Given the project's own conftest and tests whose real parts are missing
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_parts=TESTS)
    return pytester


def test_a_missing_real_part_skips_outside_ci(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    run(project).assert_outcomes(skipped=4)


def test_a_missing_real_part_is_an_error_under_ci(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = run(project, "-rfE")
    # Then the three real parts fail (the setup-time skips as errors), the plain skip stays
    result.assert_outcomes(failed=1, errors=2, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            "*CI=true and a real part is missing (an error, not a skip): *"
            "DEPLOYGATE_TEST_POSTGRES_URL is not set*",
            "*CI=true and a real part is missing*needs a Chromium*",
            "*CI=true and a real part is missing*needs prometheus-pushgateway*",
        ]
    )
