"""The ``deploygate watch`` subcommand: arguments, wiring to environments.toml, output lines."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pytest_deploygate.alerting.clock import Clock
from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.alerting.manager import AlertManager, AlertReport
from pytest_deploygate.alerting.notice import iso
from pytest_deploygate.alerting.rules import AlertConfigError, parse_duration
from pytest_deploygate.alerting.state import AlertStateError
from pytest_deploygate.alerting.watch import STATUS_NAMES, WatchResult, health_probe, watch
from pytest_deploygate.cli.common import CONFIG_ERROR, FAILED, UNHEALTHY, load
from pytest_deploygate.cli.metrics import publish_health
from pytest_deploygate.config import DeployGateConfigError, Environment
from pytest_deploygate.deploy.history import HistoryError, HistoryStore
from pytest_deploygate.masking import Masker
from pytest_deploygate.progress import for_stream

HELP = "poll an environment's health and evaluate alert rules, a bounded number of times"
# Exit statuses: 0 nothing firing at the end, 1 an alert still firing; the rest as the
# deploygate command's: 2 the local platform did not start, 4 bad configuration or arguments.
EXIT_FIRING = FAILED
EXIT_NO_PLATFORM = UNHEALTHY
EXIT_CONFIG = CONFIG_ERROR


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """The watch options (the deploygate command adds --env and --environments-file itself)."""
    # Help texts: what the option does, then its default, in one sentence each.
    parser.add_argument(
        "--alerts-file",
        metavar="PATH",
        help="TOML file holding the [alerts] table (default: the environments file).",
    )
    parser.add_argument(
        "--interval", default="30s", metavar="DURATION", help="time between polls (default: 30s)."
    )
    parser.add_argument("--count", type=int, metavar="N", help="stop after N polls.")
    parser.add_argument(
        "--duration", metavar="DURATION", help="stop after this long, e.g. 10m (or use --count)."
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON document per poll (default: text lines)."
    )
    parser.add_argument(
        "--follow-deploy",
        action="store_true",
        help="count the alerts that fire during the watch against the environment's latest "
        "deployment in the history (the deploy.alerts KPI).",
    )
    parser.add_argument(
        "--history-url",
        metavar="URL",
        help="deployment history for --follow-deploy (default: as deploygate deploy).",
    )


def build_watch_parser() -> argparse.ArgumentParser:
    """A stand-alone parser for ``watch`` (the deploygate command builds its own)."""
    parser = argparse.ArgumentParser(prog="deploygate watch", description=HELP)
    parser.add_argument("--env", default="local", metavar="NAME", help="environment to watch.")
    parser.add_argument("--environments-file", type=Path, metavar="PATH")
    add_watch_arguments(parser)
    return parser


def run_watch_command(
    args: argparse.Namespace,
    *,
    clock: Clock | None = None,
    environ: Mapping[str, str] = os.environ,
    out: Callable[[str], None] = print,
) -> int:
    """Run ``deploygate watch``; returns the exit status."""
    masker = Masker()

    def fail(message: str, status: int = EXIT_CONFIG) -> int:
        print(f"deploygate watch: {masker(message)}", file=sys.stderr)
        return status

    if args.count is None and args.duration is None:
        return fail("give --count N or --duration D (e.g. --count 10), so that the watch ends")
    if args.count is not None and args.count < 1:
        return fail(f"--count {args.count} must be 1 or more")
    try:
        interval = parse_duration(args.interval, "--interval")
        duration = None if args.duration is None else parse_duration(args.duration, "--duration")
        loaded = load(args, environ, alerts_file=args.alerts_file)
        env, alerts = loaded.environment, loaded.alerts
        masker.add(*env.secrets)
        manager = AlertManager.for_environment(
            alerts, env.name, loaded.source.parent, clock, environ, masker
        )
        if alerts.rules_for(env.name):
            manager.store.prepare()  # a bad state file is reported now, as a config error
        history = (
            _history(args, env, alerts, loaded.source.parent, masker)
            if args.follow_deploy
            else None
        )
    except (DeployGateConfigError, AlertConfigError, AlertStateError, HistoryError) as exc:
        return fail(str(exc))
    if not alerts.rules_for(env.name):
        out(f"deploygate watch: no enabled [[alerts.rules]] apply to {env.name!r}; health only")

    launched = None
    if env.is_local:
        from pytest_deploygate.session import launch

        try:
            launched = launch.boot(env.database_url, env.launch_profile, env.launch_tls)
        except RuntimeError as exc:
            return fail(str(exc), EXIT_NO_PLATFORM)
        env = env.with_endpoint(launched.url, launched.database_url, launched.ca_bundle)
    try:
        probe = health_probe(env)
        show = _json_line if args.json else _text_line
        publisher = _Publisher(env, loaded.source.parent, masker)
        # On stderr: stdout stays one line (or JSON document) per poll.
        progress = for_stream(mask=masker, clock=manager.clock.now)
        firing: list[int] = [0]
        started = manager.clock.now()

        def on_report(metrics: Mapping[str, float], report: AlertReport) -> None:
            progress.clear()
            out(masker(show(metrics, report, manager)))
            publisher(metrics)
            firing[0] = len(report.firing)

        def waiting(polls: int, next_s: float) -> None:
            left = (
                ""
                if duration is None
                else f", {_s(duration - (manager.clock.now() - started))} left"
            )
            of = "" if args.count is None else f" of {args.count}"
            progress.update(
                f"watch {env.name}: {polls}{of} poll(s) done, {firing[0]} alert(s) firing, "
                f"next poll in {_s(next_s)}{left}"
            )

        result = watch(
            manager,
            probe,
            env.name,
            interval=interval,
            count=args.count,
            duration=duration,
            clock=clock,
            on_report=on_report,
            waiting=waiting,
        )
        progress.clear()
    finally:
        if launched is not None:
            launched.stop()
    if history is not None:
        _count_against_deploy(history, env.name, result, out)
    return EXIT_FIRING if result.firing else 0


class _Publisher:
    """Each round's health to [metrics]; on stderr (stdout may be one JSON document per round)
    where it went once, and every failure."""

    def __init__(self, env: Environment, base_dir: Path, masker: Masker) -> None:
        self._env, self._base_dir, self._masker = env, base_dir, masker
        self._told = False

    def __call__(self, metrics: Mapping[str, float]) -> None:
        published = publish_health(self._env, self._base_dir, metrics, self._masker)
        if published is None:
            return
        lines = [*([] if self._told else published.written), *published.failed]
        self._told = True
        for line in lines:
            print(f"deploygate watch: metrics: {line}", file=sys.stderr)


def _s(seconds: float) -> str:
    return f"{max(0, math.ceil(seconds))} s"


def _history(
    args: argparse.Namespace, env: Environment, alerts: AlertsConfig, base_dir: Path, masker: Masker
) -> HistoryStore:
    from pytest_deploygate.deploy.history import open_history

    return open_history(args.history_url, env.deploy.history_url, alerts, base_dir, masker)


def _count_against_deploy(
    history: HistoryStore, environment: str, result: WatchResult, out: Callable[[str], None]
) -> None:
    fired = sum(o.decision == "fire" for report in result.reports for o in report.outcomes)
    try:
        latest = history.add_alerts(environment, fired)
    except HistoryError as exc:
        print(f"deploygate watch: {exc}", file=sys.stderr)
        return
    finally:
        history.close()
    if latest is None:
        out(f"deploygate watch: no deployment of {environment} in the history to follow")
    else:
        out(
            f"deploygate watch: {fired} alert(s) fired; counted against deploy "
            f"{latest.deploy_id} of {environment} (deploygate history --env {environment})"
        )


def _text_line(metrics: Mapping[str, float], report: AlertReport, manager: AlertManager) -> str:
    status = STATUS_NAMES.get(metrics.get("health.status", 2.0), "unhealthy")
    bad = sorted(
        name.split(".")[1]
        for name, value in metrics.items()
        if name.endswith(".status") and name.count(".") == 2 and value > 0
    )
    lines = [
        f"{iso(manager.clock.now())} {report.environment}: {status}"
        + (f" ({', '.join(bad)} not healthy)" if bad else "")
        + f"; {len(report.firing)} alert(s) firing"
    ]
    lines += [
        f"  {line}" for line in report.lines() if not line.startswith(("OK ", "NOT-MEASURED"))
    ]
    return "\n".join(lines)


def _json_line(metrics: Mapping[str, float], report: AlertReport, manager: AlertManager) -> str:
    return json.dumps(
        {
            "at": iso(manager.clock.now()),
            "environment": report.environment,
            "metrics": dict(metrics),
            "alerts": [
                {
                    "rule": o.rule.name,
                    "severity": o.rule.severity,
                    "decision": o.decision,
                    "value": o.value,
                    "firing": o.firing,
                    "deliveries": [
                        {
                            "channel": d.channel,
                            "type": d.channel_type,
                            "ok": d.ok,
                            "detail": d.detail,
                        }
                        for d in o.deliveries
                    ],
                }
                for o in report.outcomes
            ],
        }
    )
