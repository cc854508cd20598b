"""Which Chromium to launch, and the flags that keep it quiet offline (no hooks here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from typing import Any

#: Chromium flags that keep a headless browser quiet on a machine without internet or GPU.
OFFLINE_HEADLESS_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: System browsers tried, in order, when Playwright's own Chromium is not installed.
SYSTEM_CHROMIUM_CANDIDATES: tuple[str, ...] = (
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
)

INSTALL_HINT = (
    "install one with `python -m playwright install chromium` (or your system's package, "
    "e.g. `apt-get install chromium`), or pass --browser-executable PATH"
)


class BrowserNotFoundError(Exception):
    """No usable Chromium: the message says what was tried and how to install one."""


def find_chromium(
    explicit: str | None,
    playwright_executable: str | None,
    candidates: Iterable[str] = SYSTEM_CHROMIUM_CANDIDATES,
) -> str | None:
    """The Chromium executable to launch, or None to let Playwright use its own browser.

    An explicit ``--browser-executable`` always wins; then Playwright's own Chromium when it
    is installed; then the first system Chromium found.
    """
    if explicit:
        path = os.path.expanduser(explicit)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BrowserNotFoundError(
                f"--browser-executable {explicit}: no executable file there; point it at a "
                "Chromium binary, or leave the option out to use Playwright's or the system's"
            )
        return path
    if playwright_executable and os.path.isfile(playwright_executable):
        return None
    tried = list(candidates)
    for candidate in tried:
        found = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
    own = playwright_executable or "Playwright's Chromium"
    raise BrowserNotFoundError(
        f"no Chromium found: Playwright's own browser is not installed ({own}) and none of "
        f"{', '.join(tried)} exists; {INSTALL_HINT}"
    )


def chromium_launch_args(base: Mapping[str, Any], executable: str | None) -> dict[str, Any]:
    """pytest-playwright's launch arguments plus the executable and the offline flags."""
    launch = dict(base)
    if executable and "executable_path" not in launch:
        launch["executable_path"] = executable
    args = list(launch.get("args", []))
    launch["args"] = args + [flag for flag in OFFLINE_HEADLESS_ARGS if flag not in args]
    return launch
