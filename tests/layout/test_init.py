"""``deploygate init``: a commented starter environments.toml, never over an existing file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_deploygate.config import load_config, read_document
from pytest_deploygate.config.interpolate import VARIABLE


def init(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_deploygate.cli", "init", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_init_writes_a_starter_that_loads_in_every_environment(tmp_path: Path) -> None:
    result = init(tmp_path)

    assert result.returncode == 0, result.stderr
    written = tmp_path / "environments.toml"
    text = written.read_text()
    assert "${STAGING_ADMIN_PASSWORD}" in text and text.count("#") > 20  # commented
    names = list(read_document(written)["environments"])
    assert names == ["local", "staging", "production"]
    variables = set(VARIABLE.findall(text))
    for name in names:
        load_config(written, name, dict.fromkeys(variables, "set"))
    assert load_config(written, "production", dict.fromkeys(variables, "x")).environment.sensitive


def test_init_refuses_to_overwrite_in_one_line(tmp_path: Path) -> None:
    existing = tmp_path / "environments.toml"
    existing.write_text("# ours\n")

    result = init(tmp_path)

    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        f"deploygate init: {existing} already exists; not overwritten (move it away or edit it)"
    ]
    assert existing.read_text() == "# ours\n"
