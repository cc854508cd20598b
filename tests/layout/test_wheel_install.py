"""What a team gets from ``pip install``: a wheel built from this checkout, installed into a fresh
virtualenv, used in an empty folder with nothing but ``deploygate init``'s environments.toml.

Slow on purpose (a real pip install, from the local pip cache and the package index).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Installed:
    venv: Path
    project: Path

    def run(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_"))}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            [str(self.venv / "bin" / command[0]), *command[1:]],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("pytest_deploygate-*.whl")
    return found


def _install(tmp: Path, requirement: str) -> Installed:
    environment = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    subprocess.run(
        [str(environment / "bin" / "python"), "-m", "pip", "install", "-q", requirement],
        check=True,
        capture_output=True,
        timeout=600,
    )
    project = tmp / "project"
    project.mkdir()
    return Installed(environment, project)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    yield _install(tmp_path_factory.mktemp("all"), f"{wheel}[all]")


def test_the_wheel_holds_one_top_level_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}

    assert top == {"pytest_deploygate", wheel.name.split("-py3")[0] + ".dist-info"}
    # The hosted suites, the reference platform's templates and the starter file ship too.
    for shipped in (
        "pytest_deploygate/suites/security/test_security_access.py",
        "pytest_deploygate/suites/features/booking.feature.yaml",
        "pytest_deploygate/reference/templates/book.html",
        "pytest_deploygate/config/starter.toml",
    ):
        assert shipped in names


def test_init_then_the_hosted_suites_and_a_users_test_pass(installed: Installed) -> None:
    # Given an empty folder and the wheel installed with every extra
    assert installed.run("deploygate", "init").returncode == 0

    # When a user runs the smoke and security suites and a test of their own
    smoke = installed.run("pytest", "--env=local", "-m", "smoke", "-p", "no:cacheprovider")
    security = installed.run("pytest", "--env=local", "-m", "security", "-p", "no:cacheprovider")
    installed.project.joinpath("test_mine.py").write_text(
        "def test_mine(api):\n    assert api.get('/api/services').status_code == 200\n"
    )
    mine = installed.run("pytest", "--env=local", "test_mine.py", "-p", "no:cacheprovider")

    # Then all of them pass, with the reports written in that folder
    assert smoke.returncode == 0, smoke.stdout[-3000:]
    assert " 5 passed" in smoke.stdout
    assert security.returncode == 0, security.stdout[-3000:]
    assert mine.returncode == 0 and "1 passed" in mine.stdout, mine.stdout[-3000:]
    assert (installed.project / "reports" / "gates.json").is_file()


def test_without_the_reference_extra_local_is_one_line_naming_it(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    core = _install(tmp_path_factory.mktemp("core"), str(wheel))
    core.run("deploygate", "init")

    result = core.run("pytest", "--env=local", "-m", "smoke", "-p", "no:cacheprovider")

    assert result.returncode == 2
    assert 'pip install "pytest-deploygate[reference]"' in result.stdout + result.stderr
    # and every hosted suite still collects, the ones needing an extra skipped naming it
    collected = core.run("pytest", "--env=local", "-rs", "--co", "-p", "no:cacheprovider")
    assert collected.returncode == 0, collected.stdout[-3000:]
    assert "needs the browser extra" in collected.stdout
    assert 'pip install "pytest-deploygate[browser]"' in collected.stdout
    # and the deployment history (SQLite, the standard library's) works without any extra
    history = core.run("deploygate", "history", "--env", "local", "--json")
    assert history.returncode == 0, history.stderr
    assert '"deployments": []' in history.stdout
