"""Live progress of a long step (a load run, a stress step, a deploy probe), on the terminal.

On an interactive terminal one line refreshes in place; in a CI log, a pipe or under ``-q`` a
plain line is written at most every ``interval`` seconds, so a person can tell a slow run from
a hung one without the log filling up. Under pytest-xdist a worker has no terminal of its own:
it reports nothing (the controller's dots are never garbled).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Seconds between plain lines (CI logs, pipes, -q).
PLAIN_INTERVAL_S = 5.0
#: Seconds between refreshes of a live line.
LIVE_INTERVAL_S = 0.5
_CLEAR_TO_END = "\x1b[K"


class Progress:
    """One long step's progress: ``update(text)`` while it runs, ``done(text)`` at the end."""

    def __init__(
        self,
        write: Callable[[str], None],
        live: bool,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self.live = live
        self.interval = (
            interval if interval is not None else (LIVE_INTERVAL_S if live else PLAIN_INTERVAL_S)
        )
        self._clock = clock
        self._last: float | None = None
        self._shown = False

    def update(self, text: str) -> None:
        """Show ``text`` if the last update is at least ``interval`` ago (the first always)."""
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        self._show(text)

    def done(self, text: str) -> None:
        """The final state, always shown; a live line is ended."""
        self._show(text)
        if self.live:
            self._write("\n")

    def _show(self, text: str) -> None:
        if self.live:
            # The first refresh starts below pytest's own "file.py" line, later ones overwrite.
            self._write(("\r" if self._shown else "\n") + text + _CLEAR_TO_END)
        else:
            self._write(("" if self._shown else "\n") + text + "\n")
        self._shown = True


def for_pytest(config: Any) -> Progress | None:
    """A Progress that writes through pytest's terminal, capture suspended; None on an xdist
    worker or without a terminal reporter."""
    if hasattr(config, "workerinput"):
        return None
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is None:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")
    live = bool(terminal.isatty) and config.get_verbosity() >= 0 and not os.environ.get("CI")

    def write(text: str) -> None:
        with _uncaptured(capture):
            terminal.write(text, flush=True)

    return Progress(write, live)


@contextmanager
def _uncaptured(capture: Any) -> Iterator[None]:
    if capture is None:
        yield
        return
    with capture.global_and_fixture_disabled():
        yield
