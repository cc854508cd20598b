"""Subcommands about one environment: ``init``, ``check-env`` and ``health``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.resources import files
from pathlib import Path

from pytest_deploygate.cli.common import (
    CONFIG_ERROR,
    FAILED,
    OK,
    environments_file,
    load,
)
from pytest_deploygate.config import referenced_variables
from pytest_deploygate.config.interpolate import is_set
from pytest_deploygate.config.locate import FILE_NAME

INIT_HELP = "write a commented starter environments.toml into the current folder"
CHECK_ENV_HELP = "check that every variable the environment needs is set"
HEALTH_HELP = "check the environment's health (exit 0 healthy, 1 degraded, 2 unhealthy)"


def init(args: argparse.Namespace) -> int:
    """Write the starter file; never overwrite one (a team's file holds its whole contract)."""
    target = Path(args.path) if args.path else Path.cwd() / FILE_NAME
    if target.exists():
        print(
            f"deploygate init: {target} already exists; not overwritten (move it away or edit it)",
            file=sys.stderr,
        )
        return CONFIG_ERROR
    starter = files("pytest_deploygate.config").joinpath("starter.toml").read_text("utf-8")
    target.write_text(starter, encoding="utf-8")
    print(f"deploygate init: wrote {target}; next: pytest --env=local -m smoke")
    return OK


def init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", metavar="PATH", help="where to write it (default: ./environments.toml)"
    )


def check_env(args: argparse.Namespace) -> int:
    """The seed's validate-env-vars step: is every variable the environment uses set?"""
    path = environments_file(args)
    variables = referenced_variables(path, args.env)
    missing = [name for name in variables if not is_set(name, os.environ)]
    print(f"deploygate check-env: {args.env} uses {len(variables)} variable(s) from {path.name}")
    for name in variables:
        print(f"  {name:<40} {'missing' if name in missing else 'set'}")
    if missing:
        print(
            f"deploygate check-env: {len(missing)} missing (unset or empty); export them before "
            f"running --env {args.env}",
            file=sys.stderr,
        )
        return FAILED
    return OK


def health(args: argparse.Namespace) -> int:
    """Health of the environment: database, API endpoints, external services; exit 0/1/2."""
    from pytest_deploygate.alerting.watch import health_metrics
    from pytest_deploygate.cli.metrics import publish_health
    from pytest_deploygate.health import check_health, wait_for_health
    from pytest_deploygate.masking import Masker

    loaded = load(args)
    env = loaded.environment
    launched = None
    if env.is_local:
        from pytest_deploygate.session.launch import boot

        launched = boot(env.database_url, env.launch_profile, env.launch_tls)
        env = env.with_endpoint(launched.url, launched.database_url, launched.ca_bundle)
    try:
        report = (
            wait_for_health(env, args.wait, timeout=args.timeout)
            if args.wait
            else check_health(env, timeout=args.timeout)
        )
    finally:
        if launched is not None:
            launched.stop()
    print(json.dumps(report.health_json(), indent=2) if args.json else report.table())
    published = publish_health(
        env, loaded.source.parent, health_metrics(report.health_json()), Masker(env.secrets)
    )
    if published is not None:
        # stderr: stdout stays the table or the JSON document a pipeline parses.
        for line in (*published.written, *published.failed):
            print(f"deploygate health: metrics: {line}", file=sys.stderr)
    return report.exit_code


def health_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="poll until healthy for at most SECONDS (default: check once)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="timeout of each request (default: 5)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print application/health+json instead of a table"
    )
