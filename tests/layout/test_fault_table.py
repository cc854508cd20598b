"""Every hosted suite item has a row in tests/fault_table.py: the fault that turns it red and
the test that shows it, or, explicitly, why it is not proven yet."""

from __future__ import annotations

import re

import pytest
from fault_table import TABLE, Proof, Unproven
from inner_session import REPO, run_repository, star_match

PREFIX = "pytest_deploygate/suites/"


def collect_suite_items(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # The hosted suites are collected as a user collects them: --env and no paths.
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    result = run_repository(pytester, "--env=local", "--collect-only", "-q", "-p", "no:randomly")
    assert result.ret == 0, result.stdout.str()
    items = [line for line in result.outlines if "::" in line and not line.startswith(" ")]
    return [line.split(PREFIX, 1)[1] for line in items if PREFIX in line]


def rows_of(items: list[str]) -> dict[str, str]:
    """Each item → the table key that covers it (items without one are left out)."""
    found = {}
    for item in items:
        keys = [key for key in TABLE if key == item or ("*" in key and star_match(key, item))]
        if keys:
            found[item] = keys[0]
    return found


def test_every_suite_item_has_a_row_and_every_row_an_item(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = collect_suite_items(pytester, monkeypatch)
    assert len(items) >= 77, items
    rows = rows_of(items)
    missing = [item for item in items if item not in rows]
    assert not missing, "suite items with no row in tests/fault_table.py:\n" + "\n".join(missing)
    stale = set(TABLE) - set(rows.values())
    assert not stale, f"rows in tests/fault_table.py for items that no longer exist: {stale}"


@pytest.mark.parametrize("key", [key for key, row in TABLE.items() if isinstance(row, Proof)])
def test_every_proof_names_a_test_that_exists_and_its_faults(key: str) -> None:
    row = TABLE[key]
    assert isinstance(row, Proof)
    path, name = row.test.split("::")
    text = (REPO / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", text, re.MULTILINE), f"{key}: no {row.test}"
    for fault in row.faults:  # each fault or tampering is named in the proving test's module
        named = (
            fault in text
            or fault in (REPO / "tests" / "suites" / "security_api_support.py").read_text()
        )
        assert named, f"{key}: {fault} is not used by {path}"


UNPROVEN = sorted(key for key, row in TABLE.items() if isinstance(row, Unproven))


def test_no_suite_item_is_unproven() -> None:
    # A new suite check lands with the fault that proves it; an Unproven row is a visible gap.
    assert not UNPROVEN, f"{len(UNPROVEN)} unproven suite items:\n" + "\n".join(
        f"{key}: {TABLE[key].why}"
        for key in UNPROVEN  # type: ignore[union-attr]
    )
