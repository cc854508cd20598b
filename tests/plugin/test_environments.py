"""environments.toml: selection, interpolation, validation and its one-line errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from plugin_support import Run

from pytest_deploygate import DeployGateConfigError, Environment
from pytest_deploygate.config import load_environment

REPO = Path(__file__).resolve().parents[2]

STAGING = """
    [gates]
    "http.p95_ms" = "< 200"
    "page.load_ms" = "< 3000"

    [environments.local]
    launch = "reference"

    [environments.staging]
    base_url = "https://staging.example.test"
    database.url = "${STAGING_DATABASE_URL}"
    credentials.admin = { username = "admin", password = "${STAGING_ADMIN_PASSWORD}" }
    gates = { "http.p95_ms" = "< 500" }

    [environments.production]
    sensitive = true
    base_url = "https://example.test"
    services.payment = "${PRODUCTION_ONLY_VARIABLE}"
"""

WRITE_ENV = """
    import json
    def test_env(deploy_env, platform):
        print("ENV", json.dumps({"name": deploy_env.name, "sensitive": deploy_env.sensitive,
                                 "gates": dict(deploy_env.gates),
                                 "health": platform.endpoint("health")}))
"""


def error_line(result: pytest.RunResult) -> str:
    lines = [line for line in result.stderr.lines if line.startswith("ERROR: ")]
    assert len(lines) == 1, result.stderr.str()
    return lines[0]


def test_the_repository_file_defines_the_five_environments() -> None:
    # Given the shipped environments.toml / When each environment that needs no secret loads
    names = ["local", "development"]
    loaded = [load_environment(REPO / "environments.toml", name, environ={}) for name in names]
    # Then local launches the reference app and the contract comes from [platform]
    assert loaded[0].launch == "reference" and loaded[0].platform.test_cards["success"]
    for name in ("staging", "production", "disaster-recovery"):
        with pytest.raises(DeployGateConfigError, match="is not set"):
            load_environment(REPO / "environments.toml", name, environ={})
    sensitive = {
        name: load_environment(REPO / "environments.toml", name, environ=_anything()).sensitive
        for name in ("production", "disaster-recovery", "staging")
    }
    assert sensitive == {"production": True, "disaster-recovery": True, "staging": False}


class _anything(dict[str, str]):
    def get(self, key: str, default: object = None) -> str:  # type: ignore[override]
        return "x-" + key.lower()

    def __getitem__(self, key: str) -> str:
        return "x-" + key.lower()


def test_env_option_selects_and_merges_gates(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environments(STAGING)
    monkeypatch.setenv("STAGING_DATABASE_URL", "sqlite:///staging.db")
    monkeypatch.setenv("STAGING_ADMIN_PASSWORD", "pw-123456")
    pytester.makepyfile(WRITE_ENV)
    result = run("--env=staging", "-s", "--no-preflight")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            '*ENV {"name": "staging", "sensitive": false, "gates": {"http.p95_ms": "< 500", '
            '"page.load_ms": "< 3000"}, "health": "/api/health"}'
        ]
    )


def test_ini_default_and_environments_file_option(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None]
) -> None:
    # Given the file elsewhere and the environment chosen in the ini file
    other = pytester.mkdir("config") / "envs.toml"
    other.write_text('[environments.qa]\nbase_url = "http://127.0.0.1:9"\n')
    pytester.makeini("[pytest]\ndeploygate_env = qa\n")
    pytester.makepyfile(WRITE_ENV)
    result = run(f"--environments-file={other}", "-s", "--no-preflight")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(['*ENV {"name": "qa", *'])


def test_interpolation_reads_only_the_selected_environment(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # production needs PRODUCTION_ONLY_VARIABLE, which is unset: staging must not care
    environments(STAGING)
    monkeypatch.setenv("STAGING_DATABASE_URL", "sqlite:///staging.db")
    monkeypatch.setenv("STAGING_ADMIN_PASSWORD", "pw-123456")
    monkeypatch.delenv("PRODUCTION_ONLY_VARIABLE", raising=False)
    pytester.makepyfile(WRITE_ENV)
    run("--env=staging", "--no-preflight").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("toml", "args", "expected"),
    [
        pytest.param(
            STAGING,
            ["--env=stagin"],
            "ERROR: environments.toml: unknown environment 'stagin' (--env); known environments: "
            "local, staging, production; did you mean 'staging'? (or add [environments.stagin])",
            id="unknown-env",
        ),
        pytest.param(
            STAGING,
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging.database] url uses "
            "${STAGING_DATABASE_URL}, which is not set (or is empty); export STAGING_DATABASE_URL "
            "(deploygate check-env lists every variable needed)",
            id="missing-variable",
        ),
        pytest.param(
            '[environments.staging]\nbase_url = "http://x"\nsensitiv = true\n',
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging] sensitiv: unknown key; "
            "did you mean 'sensitive'? known keys: *",
            id="unknown-key",
        ),
        pytest.param(
            '[environments.staging]\nbase_url = "http://x"\nsensitive = "yes"\n',
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging] sensitive: must be true or false, "
            "not str 'yes'",
            id="wrong-type",
        ),
        pytest.param(
            '[environments.staging]\nbase_url = "http://x"\nload.peak_users = true\n',
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging.load] peak_users: must be a whole "
            "number, not bool True",
            id="bool-is-not-a-number",
        ),
        pytest.param(
            '[environments.staging]\nbase_url = "http://x"\nlaunch = "docker"\n',
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging] launch = 'docker' is not known; "
            "use one of: reference, reference_app",
            id="unknown-launcher",
        ),
        pytest.param(
            "[environments.staging]\nsensitive = true\n",
            ["--env=staging"],
            "ERROR: environments.toml: [environments.staging] needs base_url (where it is) or "
            'launch = "reference"',
            id="no-target",
        ),
        pytest.param(
            '[environments.staging]\nbase_url = "http://x\n',
            ["--env=staging"],
            "ERROR: environments.toml: not valid TOML: * (at line 2, column *); fix the syntax "
            "on that line",
            id="malformed-toml",
        ),
    ],
)
def test_config_errors_are_one_line(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    args: list[str],
    expected: str,
) -> None:
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    environments(toml)
    pytester.makepyfile("def test_never(): pass")
    result = run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    pytester_line = error_line(result)
    pattern = ".*".join(re.escape(part) for part in expected.split("*"))
    assert re.fullmatch(pattern, pytester_line), pytester_line
    assert "passed" not in result.stdout.str()


def test_explicit_env_without_a_file_is_an_error(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile("def test_never(): pass")
    result = run("--env=staging")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "environments file not found; create it (deploygate init writes a starter) or pass "
        "--environments-file PATH"
    ) in (error_line(result))


def test_without_environments_file_the_plugin_stays_out_of_the_way(
    pytester: pytest.Pytester,
    run: Run,
) -> None:
    pytester.makepyfile("def test_plain(): pass\ndef test_env(deploy_env): pass")
    result = run("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*deploygate is inactive: no environments.toml*"])
    assert "deploygate: environment" not in result.stdout.str()


def test_load_section_and_preflight_settings_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(
        '[environments.qa]\nbase_url = "http://h/"\nload = { normal_users = 5, peak_users = 9 }\n'
        'preflight = { path = "/up", timeout_seconds = 0.5, attempts = 1 }\n'
    )
    env: Environment = load_environment(path, "qa", environ={})
    assert env.base_url == "http://h"
    assert (env.load.normal_users, env.load.peak_users, env.load.duration) == (5, 9, 60.0)
    assert (env.preflight.path, env.preflight.timeout_seconds, env.preflight.attempts) == (
        "/up",
        0.5,
        1,
    )
