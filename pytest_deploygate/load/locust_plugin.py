"""Keeps Locust's own pytest plugin out of deploygate's users' sessions.

Locust registers a pytest plugin (for pytest-style locustfiles) that adds ``--host``/``-H`` and
``session``/``fastsession`` fixtures to every session in the environment. Those names collide
with users' own, and deploygate only ever runs Locust in a subprocess. So the plugin is blocked
before its entry point loads, or, when entry points happened to load it first (their order is
the order distributions are found on disk), unregistered before any fixture is collected, with
its options hidden from ``--help``. ``-p locust`` on the command line keeps it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import pytest

NAME = "locust"
_OPTIONS = frozenset({"--host", "-H"})
_FIXTURES = ("session", "fastsession")


def block_early(pluginmanager: pytest.PytestPluginManager) -> None:
    """From ``pytest_addhooks``: block the plugin if its entry point has not loaded yet."""
    if pluginmanager.get_plugin(NAME) is None:
        pluginmanager.set_blocked(NAME)


def drop_if_loaded(config: pytest.Config, parser: pytest.Parser, args: Sequence[str]) -> None:
    """From ``pytest_load_initial_conftests``: unregister it unless ``-p locust`` asked for it."""
    manager = config.pluginmanager
    if manager.get_plugin(NAME) is None or _asked_for(args):
        return
    plugin = manager.unregister(name=NAME)
    manager.set_blocked(NAME)
    # pluggy replays every past registration to the fixture manager when the session starts, so
    # an unregistered plugin's fixtures would still be collected: take them off the module
    # object. Only this pytest process is affected; Locust itself runs in a subprocess.
    for fixture in _FIXTURES:
        vars(plugin).pop(fixture, None)
    # pytest cannot withdraw an option once added; hiding it keeps --help clean. The anonymous
    # group (where plain parser.addoption puts options) has no public accessor.
    group: Any = getattr(parser, "_anonymous", None)
    for option in getattr(group, "options", ()):
        if _OPTIONS & set(option.names()):
            option.attrs()["help"] = argparse.SUPPRESS


def _asked_for(args: Sequence[str]) -> bool:
    for index, arg in enumerate(args):
        if arg == f"-p{NAME}" or (arg == "-p" and args[index + 1 : index + 2] == [NAME]):
            return True
    return False
