"""The browser suites' support: Chromium discovery, page timing, axe-core, the booking page object.

``plugin`` hooks it into pytest; the other modules hold no hooks.
"""

from __future__ import annotations

from pytest_deploygate.browser.discovery import (
    INSTALL_HINT,
    OFFLINE_HEADLESS_ARGS,
    SYSTEM_CHROMIUM_CANDIDATES,
    BrowserNotFoundError,
    chromium_launch_args,
    find_chromium,
)
from pytest_deploygate.browser.timing import PageLoad, PageLoadRecorder

__all__ = [
    "INSTALL_HINT",
    "OFFLINE_HEADLESS_ARGS",
    "SYSTEM_CHROMIUM_CANDIDATES",
    "BrowserNotFoundError",
    "PageLoad",
    "PageLoadRecorder",
    "chromium_launch_args",
    "find_chromium",
]
