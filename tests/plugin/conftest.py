"""Fixtures of the plugin tests; the helpers behind them live in plugin_support (importable by
a unique name, unlike conftest, which every test folder has)."""

from plugin_support import environments, loopback, run, server

__all__ = ["environments", "loopback", "run", "server"]  # registers the fixtures
