"""What the deploy, history and gate --history subcommands share: the environment, its deploy
settings, its alert configuration and its deployment history, loaded once with one masker."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.cli.common import load
from pytest_deploygate.config import Environment
from pytest_deploygate.deploy.history import HistoryStore, open_history
from pytest_deploygate.deploy.settings import DeploySettings
from pytest_deploygate.masking import Masker


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history-url",
        metavar="URL",
        help="deployment history database, sqlite:///PATH or postgresql://... (default: "
        "$DEPLOYGATE_HISTORY_URL, [deploy] history_url, else deploy-history.sqlite beside the "
        "alert state)",
    )
    parser.add_argument(
        "--alerts-file",
        metavar="PATH",
        help="TOML file holding the [alerts] table (default: the environments file)",
    )


@dataclass
class DeployContext:
    """One environment with everything a deploy command reads about it."""

    path: Path
    env: Environment
    settings: DeploySettings
    alerts: AlertsConfig
    masker: Masker = field(default_factory=Masker)
    _history: HistoryStore | None = None

    @classmethod
    def load(cls, args: argparse.Namespace) -> DeployContext:
        """Raises DeployGateConfigError with one line on bad configuration."""
        loaded = load(args, alerts_file=args.alerts_file)
        env = loaded.environment
        return cls(loaded.source, env, env.deploy, loaded.alerts, Masker(env.secrets))

    def history(self, given_url: str | None) -> HistoryStore:
        """The opened history store; raises HistoryError when it cannot be used."""
        if self._history is None:
            self._history = open_history(
                given_url, self.settings.history_url, self.alerts, self.path.parent, self.masker
            )
        return self._history
