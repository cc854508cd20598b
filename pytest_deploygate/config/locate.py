"""Where environments.toml is: the same answer for ``pytest`` and the ``deploygate`` command."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

FILE_NAME = "environments.toml"
#: Names the environments file when no option does (for CI jobs that keep it elsewhere).
FILE_VARIABLE = "DEPLOYGATE_ENVIRONMENTS_FILE"
#: Where a run's reports go unless --reports-dir says otherwise.
REPORTS_FOLDER = "reports"


def reports_location(chosen: str | os.PathLike[str] | None, invocation_dir: Path) -> Path:
    """Where a run's reports go: ``chosen`` (--reports-dir, relative to the folder pytest was
    started from), else ``reports/`` there. Never the rootdir: pytest may pick one far away
    (a path argument anchors it), and reports must land where the user looks."""
    path = Path(chosen).expanduser() if chosen else Path(REPORTS_FOLDER)
    return path if path.is_absolute() else invocation_dir / path


def locate(
    explicit: str | os.PathLike[str] | None,
    start: Path,
    environ: Mapping[str, str] = os.environ,
) -> tuple[Path, bool]:
    """The environments file, and whether it was named (rather than searched for).

    In order: ``explicit`` (``--environments-file``, relative to ``start``), then
    ``$DEPLOYGATE_ENVIRONMENTS_FILE``, then the nearest ``environments.toml`` in ``start`` or a
    parent folder. When none exists the answer is ``start/environments.toml``, so the
    not-found error names the file a user would create.
    """
    named = explicit or environ.get(FILE_VARIABLE)
    if named:
        path = Path(named).expanduser()
        return (path if path.is_absolute() else start / path), True
    for folder in (start, *start.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate, False
    return start / FILE_NAME, False
