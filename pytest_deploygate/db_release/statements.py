"""SQL files split into statements, each with the line it starts on, and run one by one so a
failure names the file, the line and the statement.

The splitter knows what may hide a semicolon: quoted strings and identifiers, ``--`` and
``/* */`` comments (nested, as PostgreSQL allows); on PostgreSQL dollar quotes (``$$ ... $$``,
``$body$ ... $body$``) and E'...' strings; on SQLite trigger bodies (``BEGIN ... END;``,
decided by ``sqlite3.complete_statement``).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pytest_deploygate.database import reason_of
from pytest_deploygate.db_release.engines import execute_sql

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_IDENTIFIER_CHAR = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True)
class Statement:
    text: str
    line: int  # 1-based line of its first character that is not blank or a comment

    @property
    def summary(self) -> str:
        """The statement on one line, cut at 120 characters, for error lines."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 120 else flat[:117] + "..."


class StatementFailed(Exception):
    """A statement of a SQL file failed; the message names the file, line, statement, reason."""

    def __init__(self, source: str, statement: Statement, reason: str) -> None:
        super().__init__(f"{source} line {statement.line}: {statement.summary}: {reason}")
        self.source = source
        self.statement = statement
        self.reason = reason


def split_statements(sql: str, dialect: str) -> list[Statement]:
    """The statements of ``sql`` (without their ``;``), in order; blank ones dropped."""
    postgres = dialect == "postgresql"
    pieces = _split_at_semicolons(sql, postgres)
    if not postgres:
        pieces = _join_trigger_bodies(pieces)
    return [Statement(text, line) for text, line in pieces if text]


def read_statements(path: Path, dialect: str) -> list[Statement]:
    return split_statements(path.read_text(encoding="utf-8"), dialect)


def run_statements(connection: Connection, source: str, statements: list[Statement]) -> None:
    """Execute each statement in the connection's transaction; StatementFailed on the first
    that fails (the caller rolls the transaction back)."""
    for statement in statements:
        try:
            execute_sql(connection, statement.text)
        except sa.exc.DBAPIError as exc:
            raise StatementFailed(source, statement, reason_of(exc)) from None


def _split_at_semicolons(sql: str, postgres: bool) -> list[tuple[str, int]]:
    """(text, line) of each piece between semicolons, from its first significant character
    (leading comments dropped); pieces holding nothing but comments are left out."""
    pieces: list[tuple[str, int]] = []
    first = -1  # index of the current piece's first significant character
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("/*", i):
            i = _after_block_comment(sql, i)
            continue
        if char == ";":
            if first >= 0:
                pieces.append((sql[first:i].strip(), sql.count("\n", 0, first) + 1))
            first, i = -1, i + 1
            continue
        if not char.isspace() and first < 0:
            first = i
        if char in "'\"":
            i = _after_quote(sql, i, char, postgres)
        elif postgres and char == "$" and (i == 0 or not _IDENTIFIER_CHAR.match(sql[i - 1])):
            match = _DOLLAR_TAG.match(sql, i)
            close = -1 if match is None else sql.find(match.group(0), match.end())
            if match is None:  # $1, a parameter: an ordinary character
                i += 1
            else:
                i = n if close < 0 else close + len(match.group(0))
        else:
            i += 1
    if first >= 0:
        pieces.append((sql[first:].strip(), sql.count("\n", 0, first) + 1))
    return pieces


def _after_block_comment(sql: str, i: int) -> int:
    depth, i = 1, i + 2
    while i < len(sql) and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _after_quote(sql: str, i: int, quote: str, postgres: bool) -> int:
    """The index after the quoted text starting at ``i`` ('' or "" inside it escape a quote;
    E'...' strings also escape with a backslash)."""
    backslash = postgres and quote == "'" and i > 0 and sql[i - 1] in "eE"
    j = i + 1
    while j < len(sql):
        if backslash and sql[j] == "\\":
            j += 2
            continue
        if sql[j] == quote:
            if sql.startswith(quote * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def _join_trigger_bodies(pieces: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # CREATE TRIGGER ... BEGIN a; b; END; is one statement: join until SQLite says complete.
    joined: list[tuple[str, int]] = []
    pending: tuple[str, int] | None = None
    for text, line in pieces:
        if pending is not None:
            text, line = f"{pending[0]};\n{text}", pending[1]
        if sqlite3.complete_statement(text + ";"):
            joined.append((text, line))
            pending = None
        else:
            pending = (text, line)
    if pending is not None:
        joined.append(pending)
    return joined
