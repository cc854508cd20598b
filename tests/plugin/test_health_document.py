"""The hosted health and smoke suites read the health document's own status, not the HTTP code."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from inner_session import suite_path
from plugin_support import Loopback, Run


@pytest.mark.parametrize("word", ["fail", "down"])
def test_a_200_that_says_fail_fails_the_health_suite(
    run: Run, environments: Callable[[str], None], server: Loopback, word: str
) -> None:
    # Given /api/health answering HTTP 200 with {"status": "fail"} and every check passing
    server.health_body = {**Loopback().health_body, "status": word}
    environments(f'[environments.qa]\nbase_url = "{server.url}"\n')
    try:
        result = run("--env=qa", "-m", "health or smoke", *suite_path("health", "smoke"))
    finally:
        server.health_body = Loopback().health_body
    # Then the health and smoke checks of the document fail, naming its status
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines_random(
        [
            "FAILED *test_health_document_says_healthy*",
            "FAILED *test_health_endpoint_passes*",
            f"*health is unhealthy (HTTP 200): status {word!r}*",
        ]
    )


def test_a_component_that_warns_fails_its_check(
    run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    body = Loopback().health_body
    body["checks"]["email"] = [{"status": "warn", "output": "queue backlog"}]  # type: ignore[index]
    server.health_body = body
    environments(f'[environments.qa]\nbase_url = "{server.url}"\n')
    try:
        result = run("--env=qa", "-m", "health", *suite_path("health"))
    finally:
        server.health_body = Loopback().health_body
    result.stdout.fnmatch_lines_random(
        ["FAILED *test_component_is_healthy?email?*", "*email is 'warn': queue backlog*"]
    )


def test_the_common_spellings_pass(
    run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    # Given a platform that spells health the Spring way ("UP") everywhere
    body = Loopback().health_body
    body = {
        "status": "UP",
        "checks": {name: [{"status": "ok"}] for name in body["checks"]},  # type: ignore[union-attr]
    }
    server.health_body = body
    environments(f'[environments.qa]\nbase_url = "{server.url}"\n')
    try:
        result = run(
            "--env=qa", "-m", "health or smoke", *suite_path("health", "smoke"), "-k", "health"
        )
    finally:
        server.health_body = Loopback().health_body
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
