"""The ``deploygate`` command: one parser, one exit-code table (``cli.common``), and one line per
subcommand in COMMANDS; each subcommand lives in its own module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from pytest_deploygate.cli import db as db_command
from pytest_deploygate.cli import deploy as deploy_command
from pytest_deploygate.cli import environment
from pytest_deploygate.cli import gate as gate_command
from pytest_deploygate.cli import history as history_command
from pytest_deploygate.cli import watch as watch_command
from pytest_deploygate.cli.common import CONFIG_ERROR, UNHEALTHY
from pytest_deploygate.config import DeployGateConfigError


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    needs_environment: bool = True  # gets --env and --environments-file


COMMANDS: dict[str, Command] = {
    "init": Command(
        environment.INIT_HELP,
        environment.init_arguments,
        environment.init,
        needs_environment=False,
    ),
    "check-env": Command(environment.CHECK_ENV_HELP, lambda parser: None, environment.check_env),
    "health": Command(environment.HEALTH_HELP, environment.health_arguments, environment.health),
    "gate": Command(
        gate_command.HELP, gate_command.add_arguments, gate_command.run, needs_environment=False
    ),
    "watch": Command(
        watch_command.HELP, watch_command.add_watch_arguments, watch_command.run_watch_command
    ),
    "db": Command(
        db_command.HELP, db_command.add_arguments, db_command.run, needs_environment=False
    ),
    "deploy": Command(deploy_command.HELP, deploy_command.add_arguments, deploy_command.run),
    "history": Command(history_command.HELP, history_command.add_arguments, history_command.run),
}


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 4, as configuration errors do (2 means unhealthy to ``health``)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(CONFIG_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deploygate",
        description="Deployment gates for a booking platform.",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 unhealthy or the local platform did not "
        "start, 4 bad arguments or configuration, 99 a gate breached; deploy: 3 rolled back, "
        "5 not restored.",
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
                help="environments file (default: $DEPLOYGATE_ENVIRONMENTS_FILE, else the "
                "nearest environments.toml from the current folder up)",
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


if __name__ == "__main__":
    sys.exit(main())
