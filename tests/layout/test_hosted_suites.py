"""The hosted suites ship in the package: collected beside a user's tests when --env is given
and no paths are, exactly the given paths otherwise, and never in a plain ``pytest`` run."""

from __future__ import annotations

import inner_session
import pytest

from pytest_deploygate.suites.plugin import SUITES_DIR

MINE = "def test_mine(deploy_env):\n    assert deploy_env.name == 'qa'\n"


def collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


def test_env_without_paths_collects_the_hosted_suites_after_the_users_tests(
    bare_project: pytest.Pytester,
) -> None:
    # Given a folder with only environments.toml and one test file of the user's
    bare_project.makepyfile(test_mine=MINE)

    # When pytest runs against an environment with a suite marker and no paths
    result = inner_session.run_sub(
        bare_project, "--env=qa", "-m", "security", "--collect-only", "-q"
    )

    # Then the hosted security suite is collected from the package (its node ids are relative
    # to the package's suites folder), and nothing else
    items = collected(result)
    assert items, result.stdout.str()
    assert all(item.startswith("security/test_") for item in items), items
    assert not any("test_mine" in item for item in items)


def test_users_tests_run_beside_the_hosted_suites(bare_project: pytest.Pytester) -> None:
    bare_project.makepyfile(test_mine=MINE)

    result = inner_session.run_sub(bare_project, "--env=qa", "--collect-only", "-q")

    items = collected(result)
    assert items[0] == "test_mine.py::test_mine", items[:3]
    suites = {item.split("/")[0] for item in items[1:]}
    assert suites >= {"smoke", "health", "security", "api", "e2e", "accessibility", "database"}


@pytest.mark.parametrize(
    "args",
    [("test_mine.py",), ("--no-hosted-suites",), ("-o", "deploygate_hosted_suites=false")],
    ids=["a path given", "--no-hosted-suites", "ini off"],
)
def test_paths_or_the_switch_leave_the_hosted_suites_out(
    bare_project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    bare_project.makepyfile(test_mine=MINE)

    result = inner_session.run_sub(bare_project, "--env=qa", "--collect-only", "-q", *args)

    assert collected(result) == ["test_mine.py::test_mine"]


def test_a_plain_pytest_run_never_collects_them(bare_project: pytest.Pytester) -> None:
    # A project's own unit tests, with an environments.toml lying around: no --env, no suites.
    bare_project.makepyfile(test_mine="def test_unit():\n    pass\n")

    result = inner_session.run_sub(bare_project, "--collect-only", "-q")

    assert collected(result) == ["test_mine.py::test_unit"]


def test_pyargs_selects_one_hosted_suite(bare_project: pytest.Pytester) -> None:
    result = inner_session.run_sub(
        bare_project,
        "--env=qa",
        "--collect-only",
        "-q",
        "--pyargs",
        "pytest_deploygate.suites.smoke",
    )

    items = collected(result)
    assert items and all(item.startswith("test_smoke.py::") for item in items), items


def test_the_suites_folder_is_inside_the_package() -> None:
    assert SUITES_DIR.parent.name == "pytest_deploygate"
    assert {p.name for p in SUITES_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"} >= {
        "smoke",
        "health",
        "security",
        "api",
        "e2e",
        "accessibility",
        "performance",
        "database",
        "features",
    }
