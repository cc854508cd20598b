"""`python -m pytest_deploygate.reference --port 8000 [--database-url URL] [--faults a,b]
[--profile seed|session]`.

``--fd N`` serves on a listening socket the parent process hands over instead of binding one
(as systemd socket activation and process supervisors do): the port outlives a restart.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import socket
import sys
from typing import Any

import uvicorn

from .app import create_app
from .faults import FAULT_DESCRIPTIONS, parse_faults
from .settings import PROFILES, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_deploygate.reference",
        description="Run the reference booking platform.",
        epilog="Faults: " + "; ".join(f"{k} ({v})" for k, v in FAULT_DESCRIPTIONS.items()),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///reference_app.db)",
    )
    parser.add_argument(
        "--faults", help="comma-separated faults to switch on (default: $REFERENCE_APP_FAULTS)"
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="the platform's shape: seed (the JSON API) or session (pages, form login, CSRF); "
        "default: $REFERENCE_APP_PROFILE or seed",
    )
    parser.add_argument(
        "--fd",
        type=int,
        metavar="N",
        help="serve on the inherited listening socket N instead of binding --host/--port",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log each request (for benchmarks)"
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        if args.database_url:
            settings = dataclasses.replace(settings, database_url=args.database_url)
        if args.profile is not None:
            settings = dataclasses.replace(settings, profile=args.profile)
        if args.faults is not None:
            settings = dataclasses.replace(settings, faults=parse_faults(args.faults, "--faults"))
    except ValueError as exc:
        print(f"reference platform: {exc}", file=sys.stderr)
        return 2
    if settings.faults:
        print(
            f"reference platform: faults on: {', '.join(sorted(settings.faults))}", file=sys.stderr
        )
    if args.fd is not None:
        return _serve_inherited(create_app(settings), args.fd, not args.no_access_log)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        server_header=False,
        log_level="info",
        access_log=not args.no_access_log,
    )
    return 0


def _serve_inherited(app: Any, fd: int, access_log: bool) -> int:
    # uvicorn's own fd option assumes a Unix socket; this socket object knows its family.
    config = uvicorn.Config(app, server_header=False, log_level="info", access_log=access_log)
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[socket.socket(fileno=fd)])
    return 0 if server.started else 3  # uvicorn's start-up failure status


if __name__ == "__main__":
    sys.exit(main())
