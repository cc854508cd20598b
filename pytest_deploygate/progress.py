"""Live progress of a long step (a load run, a stress step, a deploy, a watch), on the terminal.

On an interactive terminal one line refreshes in place; in a CI log, a pipe or under ``-q`` a
plain line is written at most every ``interval`` seconds, so a person can tell a slow run from
a hung one without the log filling up. Under pytest-xdist a worker has no terminal of its own:
it reports nothing (the controller's dots are never garbled).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

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
        below: bool = True,
    ) -> None:
        self._write = write
        # pytest leaves the cursor after "file.py ": the first line starts below it.
        self._below = below
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

    def clear(self) -> None:
        """Take a live line off the screen before other output (the next update redraws it)."""
        if self.live and self._shown:
            self._write("\r" + _CLEAR_TO_END)
            self._shown = False
            self._last = None

    def _show(self, text: str) -> None:
        first = "\n" if self._below and not self._shown else ""
        if self.live:
            # The first refresh starts on a line of its own, later ones overwrite it.
            self._write((first or "\r") + text + _CLEAR_TO_END)
        else:
            self._write(first + text + "\n")
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


def stream_writer(
    stream: TextIO | None = None, mask: Callable[[str], str] = str
) -> tuple[Callable[[str], None], bool]:
    """For a command's own progress: a masked writer to ``stream`` (stderr by default: stdout
    stays the result a pipeline reads), and whether it is live (a terminal, and not CI)."""
    out = stream if stream is not None else sys.stderr

    def write(text: str) -> None:
        out.write(mask(text))
        out.flush()

    return write, out.isatty() and not os.environ.get("CI")


def for_stream(
    stream: TextIO | None = None,
    mask: Callable[[str], str] = str,
    clock: Callable[[], float] = time.monotonic,
) -> Progress:
    """A Progress on ``stream`` (see stream_writer): live on a terminal, else plain lines."""
    write, live = stream_writer(stream, mask)
    return Progress(write, live, clock=clock, below=False)


@contextmanager
def ticking(progress: Progress, describe: Callable[[], str], tick: float = 0.5) -> Iterator[None]:
    """While the block runs (a blocking call: a command, a subprocess), show ``describe()``
    every ``tick`` seconds from a daemon thread (``progress`` throttles it); then the final
    state. Nothing else may write to ``progress`` meanwhile."""
    stop = threading.Event()

    def run() -> None:
        while True:
            progress.update(describe())
            if stop.wait(tick):
                return

    thread = threading.Thread(target=run, name="deploygate-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        progress.done(describe())


@contextmanager
def _uncaptured(capture: Any) -> Iterator[None]:
    if capture is None:
        yield
        return
    with capture.global_and_fixture_disabled():
        yield
