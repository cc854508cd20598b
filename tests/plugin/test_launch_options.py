"""``launch_options.profile``: which shape the launched reference platform takes; the
repository's local-session environment and examples/reference-session.toml describe the same
platform."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pytest_deploygate.cli import main
from pytest_deploygate.config import DeployGateConfigError
from pytest_deploygate.config.loader import LAUNCH_PROFILES, load_environment
from pytest_deploygate.reference.settings import PROFILES, Settings

REPO = Path(__file__).resolve().parents[2]


def test_the_loader_knows_the_platforms_profiles() -> None:
    assert LAUNCH_PROFILES == PROFILES


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            'launch = "reference"\nlaunch_options = { profile = "rest" }\n',
            "launch_options.profile = 'rest' is not known; use one of: seed, session",
        ),
        (
            'base_url = "https://x.example"\nlaunch_options = { tls = true }\n',
            'launch_options.tls = true needs launch = "reference" (a platform at base_url has its '
            "own certificate: name its CA with ca_bundle)",
        ),
    ],
    ids=["unknown profile", "tls without launch"],
)
def test_a_bad_launch_option_is_one_error_naming_the_key(
    tmp_path: Path, environment: str, message: str
) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(f"[environments.x]\n{environment}")

    with pytest.raises(DeployGateConfigError) as error:
        load_environment(path, "x", {})

    assert str(error.value) == f"environments.toml: [environments.x] {message}"


def test_the_profile_reaches_the_environment_and_the_platform_settings() -> None:
    env = load_environment(REPO / "environments.toml", "local-session", {})
    assert env.launch_profile == "session"
    assert load_environment(REPO / "environments.toml", "local", {}).launch_profile is None
    assert Settings.from_env({"REFERENCE_APP_PROFILE": "session"}).profile == "session"
    with pytest.raises(ValueError, match="unknown profile 'rest'; valid profiles: seed, session"):
        Settings(profile="rest")


def test_the_example_and_the_repository_environment_agree() -> None:
    repository = load_environment(REPO / "environments.toml", "local-session", {})
    example = load_environment(REPO / "examples" / "reference-session.toml", "local-session", {})

    # The repository's file also lists the seed's payment and mobile selectors, unused here.
    mine = dict(example.platform.selectors)
    assert {k: repository.platform.selectors[k] for k in mine} == mine
    assert replace(example.platform, selectors=repository.platform.selectors) == (
        repository.platform
    )
    assert example.credentials == repository.credentials
    assert example.launch_profile == repository.launch_profile


@pytest.mark.parametrize(
    "env",
    [
        "local-session",  # payments, sms and e-mail are declared absent: none "not configured"
        "local-tls",  # over https, trusting the throwaway CA the launch made
    ],
)
def test_deploygate_health_boots_the_launched_shape(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    path = str(REPO / "environments.toml")

    code = main(["health", "--env", env, "--environments-file", path])

    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[0] == f"deploygate health: {env} is healthy"
    assert "not configured" not in out


def test_tls_reaches_the_environment() -> None:
    assert load_environment(REPO / "environments.toml", "local-tls", {}).launch_tls is True
    assert load_environment(REPO / "environments.toml", "local", {}).launch_tls is False
