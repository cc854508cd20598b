"""Fixtures of the feature tests; the helpers behind them live in features_support (importable
by a unique name, unlike conftest, which every test folder has)."""

from features_support import feature_project, platform_server, stub_platform, write_feature

__all__ = ["feature_project", "platform_server", "stub_platform", "write_feature"]
