"""The ``deploygate`` command: one small function per subcommand, registered in COMMANDS."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_deploygate.cli import gate as gate_command
from pytest_deploygate.cli import watch as watch_command
from pytest_deploygate.config.environments import (
    DeployGateConfigError,
    load_environment,
    referenced_variables,
)

# Exit statuses shared by the subcommands.
OK, FAILED, UNHEALTHY, CONFIG_ERROR = 0, 1, 2, 4


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    needs_environment: bool = True  # gets --env and --environments-file


def check_env(args: argparse.Namespace) -> int:
    """The seed's validate-env-vars step: is every variable the environment uses set?"""
    path = _environments_file(args)
    variables = referenced_variables(path, args.env)
    missing = [name for name in variables if not os.environ.get(name)]
    print(f"deploygate check-env: {args.env} uses {len(variables)} variable(s) from {path.name}")
    for name in variables:
        print(f"  {name:<40} {'missing' if name in missing else 'set'}")
    if missing:
        print(
            f"deploygate check-env: {len(missing)} missing; export them before running --env "
            f"{args.env}",
            file=sys.stderr,
        )
        return FAILED
    return OK


def health(args: argparse.Namespace) -> int:
    """Health of the environment: database, API endpoints, external services; exit 0/1/2."""
    from pytest_deploygate.health import check_health, wait_for_health

    env = load_environment(_environments_file(args), args.env)
    launched = None
    if env.is_local:
        from pytest_deploygate.session.launch import boot

        launched = boot(env.database_url)
        env = env.with_endpoint(launched.url, launched.database_url)
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
    return report.exit_code


def _health_arguments(parser: argparse.ArgumentParser) -> None:
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


# One line per subcommand; later modules add theirs here (gate, watch).
COMMANDS: dict[str, Command] = {
    "check-env": Command(
        "check that every variable the environment needs is set", lambda parser: None, check_env
    ),
    "health": Command(
        "check the environment's health (exit 0 healthy, 1 degraded, 2 unhealthy)",
        _health_arguments,
        health,
    ),
    "gate": Command(
        gate_command.HELP, gate_command.add_arguments, gate_command.run, needs_environment=False
    ),
    "watch": Command(
        watch_command.HELP, watch_command.add_watch_arguments, watch_command.run_watch_command
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deploygate", description="Deployment gates for the booking platform."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        if command.needs_environment:
            sub.add_argument(
                "--env",
                default="local",
                metavar="NAME",
                help="environment of environments.toml (default: local)",
            )
            sub.add_argument(
                "--environments-file",
                type=Path,
                metavar="PATH",
                help="environments file (default: ./environments.toml or a parent's)",
            )
        command.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except DeployGateConfigError as exc:
        print(f"deploygate: {exc}", file=sys.stderr)
        return CONFIG_ERROR
    except RuntimeError as exc:  # the local platform did not start
        print(f"deploygate: {exc}", file=sys.stderr)
        return UNHEALTHY


def _environments_file(args: argparse.Namespace) -> Path:
    if args.environments_file is not None:
        return Path(args.environments_file)
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "environments.toml").is_file():
            return folder / "environments.toml"
    return Path.cwd() / "environments.toml"  # the not-found error names it


if __name__ == "__main__":
    sys.exit(main())
