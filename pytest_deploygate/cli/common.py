"""What every subcommand shares: the exit-code table, finding and loading environments.toml."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from pytest_deploygate.config import DeploygateConfig, load_config, locate

#: The exit codes of the deploygate command, one table for every subcommand.
OK = 0  # done; healthy; every gate passed
FAILED = 1  # a check failed; degraded; an alert is firing; the stored run's tests failed
UNHEALTHY = 2  # unhealthy; the local platform did not start
CONFIG_ERROR = 4  # bad arguments or configuration: one line says what and how to fix it
GATE_BREACHED = 99  # every test passed but a gate breached (as pytest's own run, and k6)


def environments_file(args: argparse.Namespace) -> Path:
    """The file ``--environments-file`` names, else found as pytest finds it (config.locate)."""
    path, _ = locate(getattr(args, "environments_file", None), Path.cwd())
    return path


def load(
    args: argparse.Namespace,
    environ: Mapping[str, str] = os.environ,
    alerts_file: str | None = None,
) -> DeploygateConfig:
    """environments.toml, read once, with ``--env`` resolved."""
    return load_config(
        environments_file(args),
        args.env,
        environ,
        alerts_path=Path(alerts_file) if alerts_file else None,
    )
