"""Deprecated alias of ``pytest_deploygate.browser.accessibility`` (moved in 0.2; goes in 0.3)."""

from pytest_deploygate._deprecated import moved

__getattr__ = moved(__name__, "pytest_deploygate.browser.accessibility")
