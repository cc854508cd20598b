"""Progress of a deploy while it blocks: the team's command, then each verification.

One line says the step, how long it has run against its limit, and what the availability probe
sees (``deploy qa: command 12 s of 120 s; probe 48 rounds, 3 failed, down 1.5 s``); during
the verification's test run, pytest's own percentage from its log. While the team's command
runs, its output shares the terminal, so that step always writes plain lines; the
verification (its output in a log) refreshes one line on a terminal.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pytest_deploygate.deploy.probe import AvailabilityProbe
from pytest_deploygate.progress import Progress, ticking

_PERCENT = re.compile(rb"\[\s*(\d{1,3})%\]")
#: The end of pytest's log that is read for its latest percentage.
_TAIL_BYTES = 4096


@dataclass
class Stage:
    """What a verification is doing now: set by ``verify``, read by the progress thread."""

    name: str = "health"
    limit_s: float = 0.0
    log: Path | None = None
    started: float = field(default_factory=time.monotonic)

    def enter(self, name: str, limit_s: float, log: Path | None = None) -> None:
        self.name, self.limit_s, self.log = name, limit_s, log
        self.started = time.monotonic()


class DeployProgress:
    """The deploy's progress lines, written through ``write`` (the caller masks them)."""

    def __init__(self, environment: str, write: Callable[[str], None], live: bool) -> None:
        self.environment = environment
        self._write = write
        self._live = live

    @contextmanager
    def command(self, what: str, probe: AvailabilityProbe, limit_s: float) -> Iterator[None]:
        """Around the team's deploy or rollback command (plain lines: it shares the terminal)."""
        started = time.monotonic()

        def describe() -> str:
            return (
                f"deploy {self.environment}: {what} "
                f"{_seconds(time.monotonic() - started)} of {limit_s:g} s; {probe_text(probe)}"
            )

        with ticking(Progress(self._write, live=False, below=False), describe):
            yield

    @contextmanager
    def verification(self, what: str, probe: AvailabilityProbe, stage: Stage) -> Iterator[None]:
        """Around a verification: health waiting, then the test run and its percentage."""

        def describe() -> str:
            elapsed = _seconds(time.monotonic() - stage.started)
            if stage.name == "tests":
                percent = pytest_percent(stage.log) if stage.log else None
                step = "pytest" + (f" {percent} %" if percent is not None else " starting")
            else:
                step = "waiting for health"
            return (
                f"deploy {self.environment}: verifying {what}: {step}, {elapsed} of "
                f"{stage.limit_s:g} s; {probe_text(probe)}"
            )

        with ticking(Progress(self._write, live=self._live, below=False), describe):
            yield


def probe_text(probe: AvailabilityProbe) -> str:
    rounds, failed, down_s = probe.status()
    text = f"probe {rounds} rounds, {failed} failed"
    return text + (f", down {down_s:.1f} s" if down_s is not None else ", up")


def pytest_percent(log: Path) -> int | None:
    """pytest's latest ``[ 45%]`` in its log (None before the first test finished)."""
    try:
        with log.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None
    found = _PERCENT.findall(tail)
    return int(found[-1]) if found else None


def _seconds(value: float) -> str:
    return f"{math.floor(value)} s"
