"""Chromium for pytest-playwright, as a pytest plugin: the ``--browser-executable`` option, and
the late registration of the browser fixtures and failure artifacts.

Its fixtures (``browser.fixtures``) are registered during ``pytest_configure``, after every
entry-point plugin, so they reliably override pytest-playwright's fixtures of the same name
whatever order plugins were loaded in.
"""

from __future__ import annotations

import os

import pytest

_FIXTURES_PLUGIN_NAME = "deploygate-browser-fixtures"
_ARTIFACTS_PLUGIN_NAME = "deploygate-browser-artifacts"


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
