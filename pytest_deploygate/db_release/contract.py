"""The database contract (``pytest_deploygate.database``) checked on an open connection: inside
a migration or rollback transaction before it commits, or on a restored copy.

The contract describes one schema version (``[platform.database]`` expected_version or the
latest of versions). At that version its tables, columns and verification queries must hold;
at another one (a backup taken before a migration, a rollback to an older version) what they
find is reported as warnings, since the contract does not describe that schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from pytest_deploygate.config import DatabaseContract
from pytest_deploygate.database import (
    QueryFailed,
    missing_schema_in,
    schema_version_in,
    verification_problem_in,
)
from pytest_deploygate.db_release.engines import probing


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: Findings) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)


def current_version(connection: Connection, contract: DatabaseContract) -> str | None:
    """The version the contract's version query reports; None when it returns nothing."""
    with probing(connection):
        return schema_version_in(connection, contract.version_query)


def check_at_version(
    connection: Connection, contract: DatabaseContract, version: str | None
) -> Findings:
    """The contract on the database that should be at ``version`` (None: not known, so the
    version is not compared and only the contract's own version is held strictly)."""
    findings = Findings()
    try:
        found = current_version(connection, contract)
    except QueryFailed as exc:
        findings.errors.append(str(exc))
    else:
        if version is not None and found != version:
            findings.errors.append(
                f"the version query returns {found}, expected {version} ({contract.version_query})"
            )
    with probing(connection):
        problems = [f"missing {item}" for item in missing_schema_in(connection, contract.tables)]
    for check in contract.verify:
        with probing(connection):
            problem = verification_problem_in(connection, check)
        if problem is not None:
            problems.append(f"verification {problem}")
    wanted = contract.wanted_version
    if wanted is None or wanted == version:
        findings.errors.extend(problems)
    else:
        findings.warnings.extend(
            f"{problem} (the contract describes {wanted}; this database is at "
            f"{version or 'an unrecorded version'})"
            for problem in problems
        )
    return findings
