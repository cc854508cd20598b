"""The optional parts (extras) and the one-line skip or error naming the extra that is missing.

The core install runs the smoke, health and features (API steps) suites; the rest need an extra
(``pip install "pytest-deploygate[all]"`` installs every one). Presence is checked without
importing (Locust, for one, must never be imported into the pytest process).
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest

#: Extra name -> the modules it installs that the suites import.
EXTRAS: dict[str, tuple[str, ...]] = {
    "browser": ("playwright", "pytest_playwright", "axe_playwright_python"),
    "api": ("schemathesis", "hypothesis"),
    "security": ("hypothesis", "jwt"),
    "load": ("locust",),
    "database": ("sqlalchemy",),
    "reference": ("fastapi", "uvicorn", "jinja2", "sqlalchemy", "jwt"),
}


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed."""
    return [module for module in EXTRAS[extra] if find_spec(module) is None]


def install_hint(extra: str) -> str:
    return f'pip install "pytest-deploygate[{extra}]"'


def require(extra: str) -> None:
    """Skip the calling test module, in one line naming the extra, when it is not installed."""
    absent = missing(extra)
    if absent:
        pytest.skip(
            f"needs the {extra} extra ({', '.join(absent)} not installed): {install_hint(extra)}",
            allow_module_level=True,
        )
