"""Reports land under the folder pytest was started from, whatever rootdir pytest picks, and
``--environments-file`` elsewhere never changes what is collected."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_support import Run

PROJECT_INI = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An environments file in a folder of its own, outside the project."""
    path = tmp_path_factory.mktemp("elsewhere") / "env.toml"
    path.write_text('[environments.qa]\nbase_url = "http://127.0.0.1:9"\n')
    return path


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    # A project whose ini file collects tests/ only; other/ would be collected without it.
    pytester.path.joinpath("pyproject.toml").write_text(PROJECT_INI)
    for folder, name in (("tests", "test_mine"), ("other", "test_not_mine")):
        pytester.mkdir(folder).joinpath(f"{name}.py").write_text(f"def {name}(): pass\n")
    return pytester


def test_the_equals_form_keeps_the_projects_rootdir_and_reports(
    project: pytest.Pytester, run: Run, elsewhere: Path
) -> None:
    result = run("--env=qa", "--no-preflight", f"--environments-file={elsewhere}")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"rootdir: {project.path}", "configfile: pyproject.toml"])
    assert (project.path / "reports" / "gates.json").is_file()
    assert not (elsewhere.parent / "reports").exists()


def test_the_space_form_that_would_move_the_rootdir_is_refused_with_the_fix(
    project: pytest.Pytester, run: Run, elsewhere: Path
) -> None:
    result = run("--env=qa", "--no-preflight", "--environments-file", str(elsewhere))
    # Then nothing runs: one usage error that names the = form
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: --environments-file {elsewhere} as two arguments*"
            f"Write --environments-file={elsewhere}"
        ]
    )
    assert not (elsewhere.parent / "reports").exists()


def test_the_space_form_inside_the_project_is_harmless(
    project: pytest.Pytester, run: Run, elsewhere: Path
) -> None:
    inside = project.mkdir("config") / "env.toml"
    inside.write_text(elsewhere.read_text())
    result = run("--env=qa", "--no-preflight", "--environments-file", "config/env.toml")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=1)
    assert (project.path / "reports" / "gates.json").is_file()


def test_reports_follow_the_invocation_folder_not_a_chosen_rootdir(
    project: pytest.Pytester, run: Run, elsewhere: Path
) -> None:
    # Given a rootdir far from where pytest starts (the user's --rootdir)
    result = run(
        "--env=qa",
        "--no-preflight",
        f"--environments-file={elsewhere}",
        f"--rootdir={elsewhere.parent}",
        "tests",
    )
    assert result.ret == 0, result.stdout.str()
    # Then the reports are still under the folder pytest was started from
    assert (project.path / "reports" / "gates.json").is_file()
    assert not (elsewhere.parent / "reports").exists()
