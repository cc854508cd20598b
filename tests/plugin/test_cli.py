"""The deploygate command: check-env and health (exit 0 healthy, 1 degraded, 2 unhealthy)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from plugin_support import Loopback

from pytest_deploygate.cli import COMMANDS, main


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "environments.toml"
    path.write_text(text)
    return str(path)


def services(url: str, down: str = "") -> str:
    lines = [f'services.{name} = "{url}/api/health"' for name in ("payment", "email", "sms")]
    return "\n".join(line for line in lines if down not in line or not down)


def qa_with_services(url: str) -> str:
    return f'[environments.qa]\nbase_url = "{url}"\n{services(url)}\n'


def test_commands_are_registered_in_one_table() -> None:
    assert {"check-env", "health"} <= set(COMMANDS)


def test_check_env_lists_variables_without_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '[environments.staging]\nbase_url = "https://${STAGING_HOST}"\n'
        'credentials.admin = { username = "a", password = "${STAGING_ADMIN_PASSWORD}" }\n'
        '[environments.other]\nbase_url = "${OTHER_ONLY}"\n',
    )
    monkeypatch.setenv("STAGING_HOST", "staging-host-secret.example")
    monkeypatch.delenv("STAGING_ADMIN_PASSWORD", raising=False)
    assert main(["check-env", "--env", "staging", "--environments-file", path]) == 1
    out, err = capsys.readouterr()
    assert "STAGING_HOST" in out and "STAGING_ADMIN_PASSWORD" in out and "OTHER_ONLY" not in out
    assert [line.split()[-1] for line in out.splitlines()[1:]] == ["missing", "set"]
    assert "staging-host-secret" not in out + err
    assert "1 missing (unset or empty); export them before running --env staging" in err
    monkeypatch.setenv("STAGING_ADMIN_PASSWORD", "pw-secret-123")
    assert main(["check-env", "--env", "staging", "--environments-file", path]) == 0
    assert "pw-secret-123" not in "".join(capsys.readouterr())


def test_config_errors_exit_4_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[environments.qa]\nbase_url = "http://x"\n')
    assert main(["health", "--env", "prod", "--environments-file", path]) == 4
    assert capsys.readouterr().err == (
        "deploygate: environments.toml: unknown environment 'prod' (--env); known environments: "
        "qa; pick a known one (or add [environments.prod])\n"
    )


def test_health_healthy_is_exit_0_with_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: Loopback
) -> None:
    path = write(tmp_path, qa_with_services(server.url))
    assert main(["health", "--env", "qa", "--environments-file", path]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "deploygate health: qa is healthy"
    assert {"database", "api_endpoints", "external_services"} <= {
        line.split()[0] for line in out.splitlines()[1:]
    }


def test_unconfigured_service_is_degraded_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: Loopback
) -> None:
    toml = f'[environments.qa]\nbase_url = "{server.url}"\n{services(server.url, down="sms")}\n'
    path = write(tmp_path, toml)
    assert main(["health", "--env", "qa", "--environments-file", path, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["status"], document["overall"]) == ("warn", "degraded")
    sms = [c for c in document["checks"]["external_services"] if c["componentId"] == "sms"]
    assert sms == [
        {
            "componentId": "sms",
            "status": "warn",
            "observedValue": 0.0,
            "observedUnit": "ms",
            "output": "health URL not configured",
        }
    ]


def test_failing_component_is_unhealthy_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: Loopback
) -> None:
    server.health_status = 503
    server.health_body = {
        "status": "fail",
        "checks": {"database": [{"status": "fail", "output": "database unavailable"}]},
    }
    try:
        path = write(tmp_path, f'[environments.qa]\nbase_url = "{server.url}"\n')
        assert main(["health", "--env", "qa", "--environments-file", path]) == 2
    finally:
        server.health_body = Loopback().health_body
    out = capsys.readouterr().out
    assert "deploygate health: qa is unhealthy" in out
    assert "database (platform)  unhealthy  database unavailable" in out
    assert "/api/health" in out and "HTTP 503" in out


def test_unreachable_environment_is_unhealthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closed_port: int
) -> None:
    path = write(tmp_path, f'[environments.qa]\nbase_url = "http://127.0.0.1:{closed_port}"\n')
    assert main(["health", "--env", "qa", "--environments-file", path, "--timeout", "1"]) == 2
    assert "ConnectError" in capsys.readouterr().out


def test_wait_polls_until_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: Loopback
) -> None:
    # Given a platform that recovers a moment after the check starts
    server.health_status = 503
    threading.Timer(0.5, lambda: setattr(server, "health_status", 200)).start()
    path = write(tmp_path, qa_with_services(server.url))
    # When waiting up to 20 s, Then it reports healthy after more than one round
    assert main(["health", "--env", "qa", "--environments-file", path, "--wait", "20"]) == 0
    assert server.paths().count("/api/health") >= 2
    assert "qa is healthy" in capsys.readouterr().out


def test_health_of_local_boots_the_platform(capsys: pytest.CaptureFixture[str]) -> None:
    repo_file = str(Path(__file__).resolve().parents[2] / "environments.toml")
    assert main(["health", "--env", "local", "--environments-file", repo_file, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"] == "healthy"


@pytest.mark.parametrize(
    ("word", "overall", "code"),
    [
        ("fail", "unhealthy", 2),
        ("DOWN", "unhealthy", 2),
        ("unhealthy", "unhealthy", 2),
        ("warn", "degraded", 1),
        ("ok", "healthy", 0),
        ("UP", "healthy", 0),
    ],
)
def test_the_document_status_decides_over_http_200(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server: Loopback,
    word: str,
    overall: str,
    code: int,
) -> None:
    # Given /api/health answering HTTP 200 with a document whose own status says otherwise
    server.health_body = {**Loopback().health_body, "status": word}
    try:
        path = write(tmp_path, qa_with_services(server.url))
        # Then that status decides the verdict and the exit code
        assert main(["health", "--env", "qa", "--environments-file", path]) == code
    finally:
        server.health_body = Loopback().health_body
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"deploygate health: qa is {overall}"
    if code:
        assert f"HTTP 200 but the document says status {word!r}" in out


@pytest.mark.parametrize(
    ("word", "overall", "code"), [("down", "unhealthy", 2), ("warn", "degraded", 1)]
)
def test_each_component_in_checks_decides(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server: Loopback,
    word: str,
    overall: str,
    code: int,
) -> None:
    # Given a document that passes overall but one component (payment) says otherwise
    body = Loopback().health_body
    body["checks"]["payment"] = [{"status": word, "output": "gateway timeout"}]  # type: ignore[index]
    server.health_body = body
    try:
        path = write(tmp_path, qa_with_services(server.url))
        assert main(["health", "--env", "qa", "--environments-file", path]) == code
    finally:
        server.health_body = Loopback().health_body
    out = capsys.readouterr().out
    assert f"deploygate health: qa is {overall}" in out
    assert f"payment (platform)   {overall:<10} gateway timeout" in out


def test_health_of_local_with_the_database_down_fails_the_query_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the local platform whose database is down (its SQLite file is never created)
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-down")
    repo_file = str(Path(__file__).resolve().parents[2] / "environments.toml")
    # When deploygate checks its health
    assert main(["health", "--env", "local", "--environments-file", repo_file, "--json"]) == 2
    # Then our own query fails as the platform's check does: connecting creates no file
    probes = {
        probe["componentId"]: probe
        for probes in json.loads(capsys.readouterr().out)["checks"].values()
        for probe in probes
    }
    assert probes["database (platform)"]["status"] == "fail"
    assert probes["database (query)"]["status"] == "fail"
    assert "could not connect to sqlite:///" in probes["database (query)"]["output"]
    assert "does not exist" in probes["database (query)"]["output"]
