"""The ``--dg-*`` Locust arguments the runner passes to every locustfile.

A custom locustfile used with the ``load_test`` fixture imports this module; Locust then accepts
the arguments and a master forwards them to its workers. No User class lives here. It also writes
the run's final failures at exit (``--dg-errors-file``): Locust's failures CSV is rewritten once a
second and misses whatever failed in the last second, which in a short run can be everything.
"""

from __future__ import annotations

import json
from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner
from locust.stats import StatsError

_environment: list[Environment] = []


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("pytest-deploygate")
    group.add_argument("--dg-services-path", default="/api/services")
    group.add_argument("--dg-availability-path", default="/api/availability/{serviceId}/{date}")
    group.add_argument("--dg-bookings-path", default="/api/bookings")
    group.add_argument("--dg-cancel-path", default="/api/bookings/{id}/cancel")
    # The booking's shape ([platform.requests], [platform.auth]); the secrets are elsewhere.
    group.add_argument("--dg-body", choices=("json", "form"), default="json")
    group.add_argument("--dg-fields", default="{}")  # JSON: the seed's flat name -> the platform's
    group.add_argument("--dg-csrf-cookie", default="")
    group.add_argument("--dg-csrf-header", default="")
    group.add_argument("--dg-csrf-field", default="")
    group.add_argument("--dg-think-min", type=float, default=1.0)
    group.add_argument("--dg-think-max", type=float, default=3.0)
    group.add_argument("--dg-destructive", action="store_true", default=False)
    group.add_argument("--dg-run-id", default="local")
    group.add_argument("--dg-errors-file", default="")


def remember_environment(environment: Environment, **_: Any) -> None:
    _environment.append(environment)


def write_errors(**_: Any) -> None:
    """On the master (or a lone process), after the runner stopped: every failure, final."""
    if not _environment:
        return
    environment = _environment[-1]
    target = getattr(environment.parsed_options, "dg_errors_file", "")
    if not target or isinstance(environment.runner, WorkerRunner):
        return
    errors = [
        {"name": e.name, "error": StatsError.parse_error(e.error), "occurrences": e.occurrences}
        for e in environment.stats.errors.values()
    ]
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(errors, handle)


events.init_command_line_parser.add_listener(add_arguments)  # type: ignore[no-untyped-call]
events.init.add_listener(remember_environment)  # type: ignore[no-untyped-call]
events.quit.add_listener(write_errors)  # type: ignore[no-untyped-call]
