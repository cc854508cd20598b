"""Deprecated alias of ``pytest_deploygate.session.metrics`` (moved in 0.2, removed in 0.3)."""

from pytest_deploygate._deprecated import moved

__getattr__ = moved(__name__, "pytest_deploygate.session.metrics")
