"""Database release safety: ``deploygate db backup | restore-check | migrate | rollback``.

One module per concern: ``settings`` (the environment's [database] table), ``engines``
(connections that control their transactions), ``postgres`` and ``sqlite`` (dump, scratch
restore, engine facts), ``manifest`` (what a backup holds), ``backup``, ``restore`` (the drill),
``contract`` (database.py's checks on an open connection), ``statements`` (SQL files split into
statements with line numbers), ``history`` (``schema_migrations``), ``migrations``, ``rollback``.
The command line lives in ``pytest_deploygate.cli.db``.
"""

from __future__ import annotations

from pytest_deploygate.db_release.errors import FAILED, OK, USAGE, ReleaseError

__all__ = ["FAILED", "OK", "USAGE", "ReleaseError"]
