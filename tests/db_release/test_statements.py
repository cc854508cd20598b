"""SQL files split into statements: what may hide a semicolon, and the line each starts on
(the line a failing migration's error names)."""

from __future__ import annotations

import db_release_support
import pytest

from pytest_deploygate.db_release.migrations import version_key
from pytest_deploygate.db_release.statements import split_statements


def parts(sql: str, dialect: str) -> list[tuple[int, str]]:
    return [(s.line, s.summary) for s in split_statements(sql, dialect)]


def test_quotes_and_comments_hide_semicolons_and_lines_are_counted() -> None:
    sql = (
        "-- a header; with a semicolon\n"
        "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"b;c\" INTEGER);\n"
        "\n"
        "/* a block; /* nested; */ still comment; */\n"
        "INSERT INTO t (a) VALUES ('it''s; fine');   -- trailing; comment\n"
        "SELECT 1"
    )

    assert (
        parts(sql, "sqlite")
        == parts(sql, "postgresql")
        == [
            (2, "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"b;c\" INTEGER)"),
            (5, "INSERT INTO t (a) VALUES ('it''s; fine')"),
            (6, "SELECT 1"),
        ]
    )


def test_postgres_dollar_quotes_and_escape_strings() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND\n$body$ "
        "LANGUAGE plpgsql;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "SELECT E'a\\';b', $1;\n"
    )

    assert [line for line, _ in parts(sql, "postgresql")] == [1, 6, 7]
    assert parts(sql, "postgresql")[2] == (7, "SELECT E'a\\';b', $1")


def test_sqlite_trigger_bodies_are_one_statement() -> None:
    sql = (
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE b SET n = n + 1;\n"
        "  DELETE FROM c;\n"
        "END;\n"
        "SELECT 1;\n"
    )

    assert [line for line, _ in parts(sql, "sqlite")] == [1, 5]


def test_a_file_of_comments_has_no_statements() -> None:
    assert split_statements("-- nothing\n/* here */\n;\n", "postgresql") == []


def test_versions_sort_naturally() -> None:
    versions = ["2027.1.10", "2027.1.9", "2026.11.1", "002", "1", "2027.01.2"]

    assert sorted(versions, key=version_key) == [
        "1",
        "002",
        "2026.11.1",
        "2027.01.2",
        "2027.1.9",
        "2027.1.10",
    ]


def test_ci_makes_a_missing_postgres_server_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_release_support, "POSTGRES_URL", "")
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI is set but DEPLOYGATE_TEST_POSTGRES_URL"):
        db_release_support.require_postgres()
