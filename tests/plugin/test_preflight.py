"""Preflight: an unreachable environment ends the session at once with one clear message."""

from __future__ import annotations

from collections.abc import Callable

import inner_session
import pytest
from plugin_support import Loopback, Run

MANY_TESTS = """
    import pytest

    @pytest.mark.parametrize("n", range(50))
    def test_reads(api, n):
        api.get("/api/services")
"""


def unreachable(port: int) -> str:
    return f"""
        [environments.staging]
        base_url = "http://127.0.0.1:{port}"
        preflight = {{ timeout_seconds = 1, attempts = 2 }}
    """


def test_unreachable_environment_stops_before_any_test(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], closed_port: int
) -> None:
    # Given an environment nothing listens on, and 50 tests that would each time out
    environments(unreachable(closed_port))
    pytester.makepyfile(MANY_TESTS)
    # When the session starts
    result = run("--env=staging")
    # Then it stops with one message naming the environment, the URL and the way out
    assert result.ret == pytest.ExitCode.INTERRUPTED
    messages = [line for line in result.stdout.lines if "is unreachable" in line]
    assert len(messages) == 1, result.stdout.str()
    assert (
        f"deploygate: environment staging is unreachable: GET http://127.0.0.1:{closed_port}"
        "/api/health failed 2 times (ConnectError: " in messages[0]
    )
    assert (
        messages[0]
        .rstrip(" !")
        .endswith(
            "check base_url in [environments.staging] and the network, or pass --no-preflight"
        )
    )
    assert result.parseoutcomes().get("passed", 0) == 0
    assert "failed" not in result.parseoutcomes()


def test_no_preflight_opts_out(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], closed_port: int
) -> None:
    environments(unreachable(closed_port))
    pytester.makepyfile("def test_one(api):\n    api.get('/')\n")
    result = run("--env=staging", "--no-preflight")
    result.assert_outcomes(failed=1)
    assert "is unreachable" not in result.stdout.str()


def test_tests_that_never_touch_the_environment_skip_the_preflight(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], closed_port: int
) -> None:
    environments(unreachable(closed_port))
    pytester.makepyfile("def test_pure(): assert 1 + 1 == 2\n")
    run("--env=staging").assert_outcomes(passed=1)


def test_reachable_environment_is_checked_once(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(f'[environments.staging]\nbase_url = "{server.url}"\n')
    pytester.makepyfile(MANY_TESTS)
    run("--env=staging").assert_outcomes(passed=50)
    assert server.paths().count("/api/health") == 1


def test_unreachable_under_xdist_stops_on_the_controller(
    pytester: pytest.Pytester, environments: Callable[[str], None], closed_port: int
) -> None:
    environments(unreachable(closed_port))
    pytester.makepyfile(MANY_TESTS)
    result = inner_session.run_sub(pytester, "--env=staging", "-n", "2")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*deploygate: environment staging is unreachable*"])
    assert "passed" not in result.stdout.str()
