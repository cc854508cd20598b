"""The browser suites' fixtures, registered late by ``browser.plugin.register``.

Registered during ``pytest_configure`` (after every entry-point plugin), so the
``browser_type_launch_args`` here wraps pytest-playwright's fixture of the same name.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_deploygate.browser import discovery
from pytest_deploygate.browser.accessibility import AxeChecker
from pytest_deploygate.browser.booking_ui import BookingUI, Customer
from pytest_deploygate.browser.discovery import (
    BrowserNotFoundError,
    chromium_launch_args,
    find_chromium,
)
from pytest_deploygate.browser.timing import PageLoadRecorder
from pytest_deploygate.session.metrics import record_metric
from pytest_deploygate.session.state import ENVIRONMENT_KEY


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
    pytestconfig: pytest.Config,
    browser_name: str | None,
    playwright: Any,
) -> dict[str, Any]:
    """pytest-playwright's launch arguments with a discovered Chromium and offline flags."""
    if browser_name not in (None, "chromium") or browser_type_launch_args.get("channel"):
        return browser_type_launch_args
    try:
        executable = find_chromium(
            pytestconfig.getoption("deploygate_browser_executable"),
            playwright.chromium.executable_path,
            discovery.SYSTEM_CHROMIUM_CANDIDATES,  # looked up now: tests may replace it
        )
    except BrowserNotFoundError as error:
        problem = str(error)
    else:
        return chromium_launch_args(browser_type_launch_args, executable)
    # Outside the except block, so the message is shown once, without a chained traceback.
    pytest.fail(f"deploygate: {problem}", pytrace=False)


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], pytestconfig: pytest.Config, base_url: str | None
) -> dict[str, Any]:
    """pytest-playwright's context arguments; over https with a ``[platform] ca_bundle``,
    certificate errors are ignored.

    Chromium takes no CA file (it trusts the system's NSS store, which a test run should not
    change), so a platform behind a private CA would fail every page with
    ERR_CERT_AUTHORITY_INVALID. The HTTP clients verify that certificate against ca_bundle on
    every request of the same run, so the browser skipping the check hides nothing the
    session does not see; without a ca_bundle the browser verifies as usual.
    """
    env = pytestconfig.stash.get(ENVIRONMENT_KEY, None)
    url = base_url or (env.base_url if env is not None else None) or ""
    if env is not None and env.platform.ca_bundle and url.startswith("https://"):
        return {**browser_context_args, "ignore_https_errors": True}
    return browser_context_args


@pytest.fixture
def page_load() -> PageLoadRecorder:
    """Measures each page's load time from Navigation Timing as the ``page.load_ms`` metric."""
    return PageLoadRecorder(record_metric)


@pytest.fixture
def axe() -> AxeChecker:
    """Runs axe-core on a page: ``axe.check(page, "payment")`` fails listing every violation."""
    return AxeChecker(record_metric)


@pytest.fixture
def booking_ui(
    page: Any, platform: Any, page_load: PageLoadRecorder, deploygate_run_id: str
) -> BookingUI:
    """The platform's booking pages on ``page``, driven by the ``[platform]`` selectors."""
    customer = Customer("Deploygate Tester", f"deploygate-{deploygate_run_id}@example.com")
    return BookingUI(page, platform, customer, page_load)
