"""Bad input to ``deploygate deploy``: one line saying what is wrong, exit 4, and nothing run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_deploygate.cli import main

QA = """
[environments.qa]
base_url = "http://127.0.0.1:9"
{extra}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def deploy(project: Path, toml: str, *args: str) -> int:
    (project / "environments.toml").write_text(toml)
    marker = "open('command-ran', 'w').close()"
    return main(["deploy", *args, "--", sys.executable, "-c", marker])


@pytest.mark.parametrize(
    ("toml", "args", "message"),
    [
        (
            QA.format(extra="[environments.qa.deploy]\nprobe_intervall = 1"),
            ["--env", "qa"],
            "environments.toml: [environments.qa.deploy] probe_intervall: unknown key; did you "
            "mean 'probe_interval'?*",
        ),
        (
            QA.format(extra="[deploy]\nprobe_interval = 0.001"),
            ["--env", "qa"],
            "*probe_interval = 0.001 s is too short; use 0.05 s or more*",
        ),
        (
            QA.format(extra='[deploy]\nhealth_wait = "soon"'),
            ["--env", "qa"],
            "*health_wait = 'soon' is not a duration*",
        ),
        (
            QA.format(extra='[deploy]\nprobe_paths = ["status"]'),
            ["--env", "qa"],
            "[environments.qa.deploy] or [deploy] probe_paths: the platform has no endpoint "
            "'status'; add it to "
            "[platform.endpoints]",
        ),
        (
            QA.format(extra='credentials.admin = { username = "a", password = "${QA_UNSET}" }'),
            ["--env", "qa"],
            "*password uses ${QA_UNSET}, which is not set*; export QA_UNSET*",
        ),
        (
            '[environments.local]\nlaunch = "reference"\n',
            ["--env", "local"],
            "*launches the reference platform in-process; deploy to an environment with a base_url",
        ),
        (
            QA.format(extra='[deploy]\nnotify = ["pager"]'),
            ["--env", "qa"],
            "environments.toml: [deploy] notify: channel 'pager' is not defined under "
            "[alerts.channels] (none are configured)",
        ),
        (QA.format(extra=""), ["--env", "qa", "--rollback", ""], "*--rollback is empty*"),
        (
            QA.format(extra=""),
            ["--env", "qa", "--history-url", "postgresql://u:Hx-Secret-1@127.0.0.1:{closed}/h"],
            "*cannot open the deployment history postgresql://u:***@127.0.0.1:{closed}/h*",
        ),
    ],
)
def test_bad_configuration_exits_4_before_anything_runs(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    args: list[str],
    message: str,
    closed_port: int,
) -> None:
    # {closed}: a loopback port that refuses connections for the whole test
    args = [arg.replace("{closed}", str(closed_port)) for arg in args]
    message = message.replace("{closed}", str(closed_port))
    assert deploy(project, toml, *args) == 4
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("deploygate deploy: ")
    position = 0
    for part in message.split("*"):  # the parts of the message, in order
        found = err.find(part, position)
        assert found >= 0, f"{part!r} not in {err!r}"
        position = found + len(part)
    assert "Hx-Secret-1" not in err
    assert not (project / "command-ran").exists()


def test_a_baseline_that_is_not_a_gates_json_exits_4(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "old.json").write_text("[]")
    assert deploy(project, QA.format(extra=""), "--env", "qa", "--baseline", "old.json") == 4
    assert "old.json: not a deploygate gates.json" in capsys.readouterr().err
    assert not (project / "command-ran").exists()


def test_no_command_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "environments.toml").write_text(QA.format(extra=""))
    assert main(["deploy", "--env", "qa"]) == 4
    assert "give your deploy command after --" in capsys.readouterr().err


def test_unknown_options_exit_4_not_2(project: Path) -> None:
    # 2 would read as "unhealthy" to a pipeline that runs `deploygate health`
    with pytest.raises(SystemExit) as caught:
        main(["deploy", "--env", "qa", "--rollbak", "x", "--", "true"])
    assert caught.value.code == 4
