"""Chromium for pytest-playwright: discovery, offline launch flags and page-load timing.

A module-style pytest plugin. Its option is added early (it is loaded through the core's
``pytest_plugins`` or ``-p pytest_deploygate.browser.plugin``); its fixtures (``browser_fixtures``)
are registered during ``pytest_configure``, after every entry-point plugin, so they reliably
override pytest-playwright's fixtures of the same name whatever order plugins were loaded in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

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

_FIXTURES_PLUGIN_NAME = "deploygate-browser-fixtures"
_ARTIFACTS_PLUGIN_NAME = "deploygate-browser-artifacts"


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


# Resolves once the document has finished loading, so loadEventEnd is set.
_NAVIGATION_TIMING_JS = """() => new Promise((resolve) => {
  const read = () => {
    const [nav] = performance.getEntriesByType("navigation");
    if (nav && nav.loadEventEnd > 0) {
      resolve({origin: performance.timeOrigin, url: nav.name,
               load: nav.loadEventEnd - nav.startTime,
               dom: nav.domContentLoadedEventEnd - nav.startTime});
    } else {
      setTimeout(read, 25);
    }
  };
  read();
})"""


@dataclass(frozen=True)
class PageLoad:
    """One document's load timing from the Navigation Timing API, in milliseconds."""

    url: str
    load_ms: float
    dom_content_loaded_ms: float


@dataclass
class PageLoadRecorder:
    """Records ``page.load_ms`` once for every document a test navigates to."""

    record: Callable[[str, float], None]
    loads: list[PageLoad] = field(default_factory=list)
    _seen: set[float] = field(default_factory=set)

    def measure(self, page: Any) -> PageLoad:
        """Wait for the page's load event and record its timing (a document is recorded once)."""
        timing = page.evaluate(_NAVIGATION_TIMING_JS)
        load = PageLoad(str(timing["url"]), float(timing["load"]), float(timing["dom"]))
        # timeOrigin identifies the document: a client-side step on the same page is not a load.
        if timing["origin"] not in self._seen:
            self._seen.add(timing["origin"])
            self.loads.append(load)
            self.record("page.load_ms", load.load_ms)
            self.record("page.dom_content_loaded_ms", load.dom_content_loaded_ms)
        return load


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deploygate")
    group.addoption(
        "--browser-executable",
        dest="deploygate_browser_executable",
        metavar="PATH",
        default=os.environ.get("DEPLOYGATE_BROWSER_EXECUTABLE") or None,
        help="Chromium binary for browser suites (default: Playwright's own, else "
        "/usr/bin/chromium, chromium-browser or google-chrome).",
    )


def pytest_configure(config: pytest.Config) -> None:
    register(config)


def register(config: pytest.Config) -> None:
    """Register the browser fixtures and report extras once, after every entry-point plugin."""
    manager = config.pluginmanager
    if not manager.hasplugin("playwright") or manager.has_plugin(_FIXTURES_PLUGIN_NAME):
        return
    from pytest_deploygate.browser import fixtures as browser_fixtures

    manager.register(browser_fixtures, _FIXTURES_PLUGIN_NAME)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # The failure-artifact hooks wrap every test: only a session with browser tests pays for them.
    manager = session.config.pluginmanager
    if not manager.has_plugin(_FIXTURES_PLUGIN_NAME) or manager.has_plugin(_ARTIFACTS_PLUGIN_NAME):
        return
    if any("context" in getattr(item, "fixturenames", ()) for item in session.items):
        from pytest_deploygate.browser.artifacts import FailureArtifacts

        manager.register(FailureArtifacts(session.config), _ARTIFACTS_PLUGIN_NAME)
