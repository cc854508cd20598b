"""Session state shared between the plugin's modules, kept on ``config.stash``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_deploygate.config import DeploygateConfig, Environment
from pytest_deploygate.masking import Masker


@dataclass
class Session:
    """What one pytest process knows about its deploygate run."""

    run_id: str
    allow_destructive: bool = False
    allow_load: bool = False
    preflight: bool = True
    policy_skipped: int = 0
    launched: Any = None  # the running local platform, if --env=local booted one
    # The process environment's variables set for the launched platform, and what they held
    # before (None: unset), restored when the session ends: nothing leaks into what runs next.
    environ_before: dict[str, str | None] = field(default_factory=dict)
    signed_in: dict[str, Any] = field(default_factory=dict)  # role -> session.auth.SignedIn


# The whole configuration as loaded once; ENVIRONMENT_KEY holds its environment as the run sees
# it (after --env=local boots, with the launched platform's URL).
CONFIG_KEY = pytest.StashKey[DeploygateConfig]()
ENVIRONMENT_KEY = pytest.StashKey[Environment]()
MASKER_KEY = pytest.StashKey[Masker]()
SESSION_KEY = pytest.StashKey[Session]()
# Set on items the safety policy refused, so their reports can be counted on the controller.
POLICY_SKIP_KEY = pytest.StashKey[str]()
