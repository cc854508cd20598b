"""``deploygate deploy --env NAME [options] -- COMMAND [ARGS...]``: wrap the team's own deploy.

Registered by the main command as ``Command(HELP, add_arguments, run)``. Exit status: 0 deployed
and verified; 3 rolled back and the rollback verified; 5 not restored (no rollback given, the
rollback failed its verification) or refused before start (unhealthy); 4 usage or configuration
error, found before anything runs.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pytest_deploygate.alerting.rules import AlertConfigError
from pytest_deploygate.alerting.state import AlertStateError
from pytest_deploygate.cli.context import DeployContext, add_history_arguments
from pytest_deploygate.config import DeployGateConfigError
from pytest_deploygate.deploy.baseline import choose_baseline
from pytest_deploygate.deploy.history import HistoryError, HistoryStore
from pytest_deploygate.deploy.kpis import Kpis
from pytest_deploygate.deploy.notify import DeployAlerts
from pytest_deploygate.deploy.progress import DeployProgress
from pytest_deploygate.deploy.record import USAGE_ERROR, DeployRecord, write_record
from pytest_deploygate.deploy.runner import DeployPlan, run_deploy
from pytest_deploygate.deploy.verify import VerifyPlan
from pytest_deploygate.gates.outcome import thresholds_of
from pytest_deploygate.monitoring.exposition import render, samples_from_deploy
from pytest_deploygate.monitoring.publish import publish
from pytest_deploygate.progress import stream_writer

HELP = (
    "run your deploy command with health checks, availability probing, verification and "
    "rollback (exit 0 deployed, 3 rolled back, 5 not restored)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Help texts: what the option does, then its default.
    parser.add_argument(
        "--verify",
        metavar="MARKEXPR",
        help='-m expression of the verification run, e.g. "smoke or api" (default: [deploy] '
        "verify, smoke)",
    )
    parser.add_argument(
        "--rollback",
        metavar="CMD",
        help="command that restores the previous release, split like a shell line; runs when "
        "the deploy or its verification fails, and is verified in turn (default: none, exit 5)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the deploy record there")
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="let the verification run destructive tests on a sensitive environment",
    )
    parser.add_argument(
        "--allow-load", action="store_true", help="also let it run load tests there"
    )
    parser.add_argument(
        "--accept-degraded",
        action="store_true",
        help="verify a degraded environment too (default: verification waits for healthy)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help="gates.json the verification's regression.* gates compare with (default: the last "
        "deploy of this environment that passed, from the history)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="compare with no baseline at all"
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=Path("reports/deploy"),
        metavar="DIR",
        help="where the verification reports go (default: reports/deploy)",
    )
    parser.add_argument(
        "--probe-interval",
        type=float,
        metavar="SECONDS",
        help="seconds between availability probes (default: [deploy] probe_interval, 0.5)",
    )
    parser.add_argument(
        "--health-wait",
        type=float,
        metavar="SECONDS",
        help="how long to wait for healthy after the deploy (default: [deploy] health_wait, 120)",
    )
    parser.add_argument(
        "--command-timeout",
        type=float,
        metavar="SECONDS",
        help="time limit of the deploy and rollback commands (default: 1800)",
    )
    parser.add_argument(
        "--verify-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for the verification pytest, e.g. --verify-arg=-n2 (repeatable)",
    )
    add_history_arguments(parser)
    parser.add_argument(
        "deploy_command",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND [ARGS...]",
        help="your deploy command, after --",
    )


def run(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    command = list(args.deploy_command)
    if command[:1] == ["--"]:
        command = command[1:]
    context: DeployContext | None = None

    def fail(message: str) -> int:
        shown = context.masker(message) if context is not None else message
        print(f"deploygate deploy: {shown}", file=sys.stderr)
        return USAGE_ERROR

    if not command:
        return fail("give your deploy command after --, e.g. deploygate deploy --env staging -- "
                    "./deploy.sh v2")  # fmt: skip
    try:
        context = DeployContext.load(args)
        plan = _plan(args, context, command)
        alerts = DeployAlerts(
            context.alerts, context.env, context.path.parent, context.masker, plan.settings
        )
        store = context.history(args.history_url)
        chosen = (
            None
            if args.no_baseline
            else choose_baseline(
                args.baseline, thresholds_of(context.env), store, context.env.name, plan.reports_dir
            )
        )
    except (DeployGateConfigError, AlertConfigError, AlertStateError, HistoryError) as exc:
        return fail(str(exc))
    except ValueError as exc:  # a malformed --rollback line, [gates] or --baseline file
        return fail(str(exc))
    if chosen is not None:
        plan = replace(plan, baseline=chosen.path)

    masker = context.masker
    progress = DeployProgress(context.env.name, *stream_writer(mask=masker))
    record = run_deploy(
        plan, alerts, lambda line: out(masker(f"deploygate deploy: {line}")), progress
    )
    record.baseline = chosen.source if chosen is not None else None
    record.notices = alerts.announce(record)
    if args.json is not None:
        write_record(args.json, record.as_dict(masker))
    try:
        store.append(record)
        _publish(context, store, record, out)
    except HistoryError as exc:  # the deploy happened; its verdict stands, the record is above
        print(f"deploygate deploy: {exc}", file=sys.stderr)
    finally:
        store.close()
    for problem in alerts.problems:
        print(f"deploygate deploy: alert rules: {masker(problem)}", file=sys.stderr)
    for line in record.summary_lines():
        out(masker(line))
    if args.json is not None:
        out(f"  record       {args.json}")
    return record.exit_code


#: The window of the KPIs published to the team's monitoring after each deploy.
KPI_WINDOW_S = 30 * 86400.0


def _publish(
    context: DeployContext, store: HistoryStore, record: DeployRecord, out: Callable[[str], None]
) -> None:
    """The deploy and the environment's KPIs to [metrics] (textfile/Pushgateway), if set."""
    env = context.env
    if not env.metrics.enabled:
        return
    since = time.time() - KPI_WINDOW_S
    kpis = Kpis.of(env.name, since, store.deployments(env.name, since)).metrics()
    availability = record.availability
    samples = samples_from_deploy(
        record.result,
        record.duration_s,
        availability.uptime_percent if availability else None,
        availability.longest_outage_s if availability else None,
        kpis,
    )
    exposition = render(samples, {"environment": env.name, "deploy_id": record.id})
    published = publish(
        exposition, env.metrics, env.name, context.path.parent, context.masker, source="deploy"
    )
    for line in (*published.written, *published.failed):
        out(context.masker(f"deploygate deploy: metrics: {line}"))


def _plan(args: argparse.Namespace, context: DeployContext, command: list[str]) -> DeployPlan:
    env = context.env
    if env.is_local or not env.base_url:
        raise DeployGateConfigError(
            f"{context.path.name}: [environments.{env.name}] launches the reference platform "
            "in-process; deploy to an environment with a base_url"
        )
    settings = context.settings.with_options(
        probe_interval=args.probe_interval,
        health_wait=args.health_wait,
        command_timeout=args.command_timeout,
        verify=args.verify,
    )
    rollback = None
    if args.rollback is not None:
        rollback = tuple(shlex.split(args.rollback))
        if not rollback:
            raise ValueError("--rollback is empty; give the command that restores the release")
    try:
        targets = tuple(
            path if path.startswith("/") else env.platform.endpoint(path)
            for path in settings.probe_paths
        )
    except KeyError as exc:
        raise DeployGateConfigError(
            f"{context.path.name}: [environments.{env.name}.deploy] or [deploy] probe_paths: "
            f"{exc.args[0]}"
        ) from None
    run_id = uuid.uuid4().hex[:12]
    return DeployPlan(
        env=env,
        settings=settings,
        command=tuple(command),
        rollback=rollback,
        verify=VerifyPlan(
            env=env,
            environments_file=context.path.resolve(),
            markexpr=settings.verify,
            health_wait=settings.health_wait,
            timeout=settings.verify_timeout,
            run_id=run_id,
            accept_degraded=args.accept_degraded,
            allow_destructive=args.allow_destructive,
            allow_load=args.allow_load,
            extra_args=tuple(args.verify_arg),
        ),
        probe_targets=targets,
        reports_dir=args.reports_dir.resolve(),
    )
