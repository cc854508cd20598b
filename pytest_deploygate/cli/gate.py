"""``deploygate gate PATH``: print a stored gates.json and evaluate it again for a later CI step.
``deploygate gate --history --env NAME [--since 30d]``: evaluate the deployment KPIs
(``deploy.*`` gates) over the environment's deployment history.

Registered by the main command as ``Command(HELP, add_arguments, run, needs_environment=False)``.
Exit status: 0 every gate passed; 99 a gate breached (as pytest's own run); 1 the stored run's
tests did not pass (failed, interrupted, none collected); 4 the file is unusable or a ``--gate``
override is malformed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_deploygate.cli.common import CONFIG_ERROR, FAILED, GATE_BREACHED, OK
from pytest_deploygate.cli.context import add_history_arguments
from pytest_deploygate.cli.history import add_since_argument
from pytest_deploygate.config import DeployGateConfigError
from pytest_deploygate.deploy.history import HistoryError
from pytest_deploygate.gates import report
from pytest_deploygate.gates.expressions import parse_gate_table

HELP = (
    "print a stored gates.json and evaluate it again, or the deploy.* gates over the deployment "
    "history (exit 0 pass, 99 breach)"
)
PASSED, TESTS_FAILED = OK, FAILED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", type=Path, nargs="?", metavar="PATH", help="a gates.json written by pytest"
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help="evaluate the deploy.* gates of --env over its deployment history instead",
    )
    parser.add_argument("--env", default="local", metavar="NAME", help="with --history")
    parser.add_argument("--environments-file", type=Path, metavar="PATH", help="with --history")
    add_since_argument(parser)
    add_history_arguments(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="a gate whose metric was not measured fails (default: the stored run's setting; "
        "with --history, off)",
    )
    parser.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="METRIC=EXPR",
        help='evaluate METRIC against EXPR instead, e.g. --gate "http.p95_ms=< 150" (repeatable)',
    )
    parser.add_argument(
        "--junit", type=Path, metavar="PATH", help="also write the JUnit file (one case per gate)"
    )


def run(args: argparse.Namespace) -> int:
    if args.history:
        return _run_history(args)
    if args.path is None:
        print("deploygate gate: give a gates.json PATH, or --history --env NAME", file=sys.stderr)
        return CONFIG_ERROR
    try:
        document = report.load_document(args.path)
        overrides = parse_gate_table(dict(_split(text) for text in args.gate), "--gate")
        strict = bool(args.strict or document.get("run", {}).get("strict", False))
        results = report.reevaluate(document, overrides, strict=strict)
    except (ValueError, KeyError, TypeError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else f"malformed document ({exc!r})"
        print(f"deploygate gate: {detail}", file=sys.stderr)
        return CONFIG_ERROR
    environment = document.get("environment", {}).get("Deploygate environment", "?")
    print(f"deploygate gates of {args.path} (environment {environment})")
    for line in report.table_lines(results):
        print(line)
    print("gates: " + report.summary_line(results))
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(report.junit_xml(results, "deploygate.gates"), encoding="utf-8")
    tests_exit = document.get("run", {}).get("tests_exit_status", 0)
    if tests_exit not in (0, GATE_BREACHED):
        # Failed, interrupted or empty: "not measured" gates must not pass such a run.
        print(f"the stored run did not pass its tests (pytest exit status {tests_exit})")
        return TESTS_FAILED
    return GATE_BREACHED if any(result.breached for result in results) else PASSED


def _run_history(args: argparse.Namespace) -> int:
    from pytest_deploygate.cli.history import history_kpis

    try:
        context, _, kpis, results = history_kpis(args)
    except (DeployGateConfigError, HistoryError, ValueError) as exc:
        print(f"deploygate gate: {exc}", file=sys.stderr)
        return CONFIG_ERROR
    window = "every deployment" if args.since == "all" else f"the last {args.since}"
    print(f"deploygate gates of the deployment history of {context.env.name} ({window})")
    for line in kpis.lines():
        print(f"KPIs: {line}")
    if not results:
        print(f"no deploy.* gates: add them to [gates] of {context.path.name}")
        return PASSED
    for line in report.table_lines(results):
        print(line)
    print("gates: " + report.summary_line(results))
    return GATE_BREACHED if any(result.breached for result in results) else PASSED


def _split(text: str) -> tuple[str, str]:
    metric, separator, expression = text.partition("=")
    if not separator:
        raise ValueError(f'--gate {text!r}: write it as METRIC=EXPR, e.g. "http.p95_ms=< 150"')
    return metric.strip(), expression.strip()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``deploygate gate`` on its own (the main ``deploygate`` command registers ``run``)."""
    parser = argparse.ArgumentParser(prog="deploygate gate", description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
