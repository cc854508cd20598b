"""``deploygate history --env NAME [--json] [--since 30d]``: the deployments and the seed's KPIs.

Registered by the main command as ``Command(HELP, add_arguments, run)``. The KPIs are the
``deploy.*`` gate metrics, shown against the environment's ``[gates]`` (``deploygate gate
--history`` turns them into an exit status). Exit status 0, or 4 on bad configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from pytest_deploygate.alerting.rules import AlertConfigError, parse_duration
from pytest_deploygate.cli.context import DeployContext, add_history_arguments
from pytest_deploygate.config import DeployGateConfigError
from pytest_deploygate.deploy.history import HistoryError, since_timestamp
from pytest_deploygate.deploy.kpis import Deployment, Kpis
from pytest_deploygate.gates import report
from pytest_deploygate.gates.catalog import measured_by_history
from pytest_deploygate.gates.evaluate import GateResult, evaluate
from pytest_deploygate.gates.outcome import thresholds_of

HELP = "list an environment's deployments and the deployment KPIs (success, rollback, uptime)"
CONFIG_ERROR = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_since_argument(parser)
    parser.add_argument(
        "--limit", type=int, default=20, metavar="N", help="deployments listed (default: 20)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_history_arguments(parser)


def add_since_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        default="30d",
        metavar="DURATION",
        help='the window: deployments of the last DURATION, e.g. "7d", "12h" (default: 30d; '
        '"all" for every one)',
    )


def history_kpis(
    args: argparse.Namespace,
) -> tuple[DeployContext, list[Deployment], Kpis, list[GateResult]]:
    """The window's deployments, KPIs and ``deploy.*`` gates (config errors raise)."""
    context = DeployContext.load(args)
    seconds = None if args.since == "all" else parse_duration(args.since, "--since")
    since = since_timestamp(seconds)
    store = context.history(args.history_url)
    try:
        kpis = store.kpis(context.env.name, since)
        rows = store.deployments(context.env.name, since, getattr(args, "limit", None))
    finally:
        store.close()
    thresholds = {
        metric: threshold
        for metric, threshold in thresholds_of(context.env).items()
        if measured_by_history(metric)
    }
    gates = evaluate(thresholds, kpis.metrics(), strict=getattr(args, "strict", False))
    return context, rows, kpis, gates


def run(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    try:
        context, rows, kpis, gates = history_kpis(args)
    except (DeployGateConfigError, AlertConfigError, HistoryError, ValueError) as exc:
        print(f"deploygate history: {exc}", file=sys.stderr)
        return CONFIG_ERROR
    masker = context.masker
    store = context.history(args.history_url).shown_url
    if args.json:
        document = {
            "environment": context.env.name,
            "store": store,
            "kpis": kpis.as_dict(),
            "gates": [
                {
                    "metric": g.metric,
                    "threshold": str(g.threshold),
                    "value": g.value,
                    "verdict": g.verdict,
                }
                for g in gates
            ],  # fmt: skip
            "deployments": [row.as_dict() for row in rows],
        }
        out(json.dumps(masker.mask_all(document), indent=2))
        return 0
    window = "every deployment" if args.since == "all" else f"the last {args.since}"
    out(f"deploygate history: {context.env.name}, {window} ({store})")
    if rows:
        out(f"  {'started':<26}{'result':<13}{'exit':>4}{'duration':>10}{'uptime':>9}"
            f"{'outage':>9}{'alerts':>7}  id")  # fmt: skip
    for row in rows:
        uptime = "-" if row.uptime_percent is None else f"{row.uptime_percent:.2f}%"
        outage = "-" if row.longest_outage_s is None else f"{row.longest_outage_s:.1f} s"
        result = "refused" if row.refused else row.result
        out(masker(
            f"  {row.as_dict()['started']:<26}{result:<13}{row.exit_code:>4}"
            f"{row.duration_s:>8.1f} s{uptime:>9}{outage:>9}{row.alerts:>7}  {row.deploy_id}"
        ))  # fmt: skip
    for line in kpis.lines():
        out(f"KPIs: {line}")
    if gates:
        for line in report.table_lines(gates):
            out(f"  {line}")
        out("gates: " + report.summary_line(gates) + " (deploygate gate --history)")
    return 0
