"""The ``--dg-*`` Locust arguments the runner passes to every locustfile.

A custom locustfile used with the ``load_test`` fixture imports this module; Locust then accepts
the arguments and a master forwards them to its workers. No User class lives here.
"""

from __future__ import annotations

from typing import Any

from locust import events


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("pytest-deploygate")
    group.add_argument("--dg-services-path", default="/api/services")
    group.add_argument("--dg-availability-path", default="/api/availability/{serviceId}/{date}")
    group.add_argument("--dg-bookings-path", default="/api/bookings")
    group.add_argument("--dg-cancel-path", default="/api/bookings/{id}/cancel")
    group.add_argument("--dg-think-min", type=float, default=1.0)
    group.add_argument("--dg-think-max", type=float, default=3.0)
    group.add_argument("--dg-destructive", action="store_true", default=False)
    group.add_argument("--dg-run-id", default="local")


events.init_command_line_parser.add_listener(add_arguments)  # type: ignore[no-untyped-call]
