"""Feature files become pytest items: one per case, with markers and the environment policy."""

from __future__ import annotations

import pytest
from features_support import Write, run_inprocess

THREE_CASES = """
feature: Items
environments: [stub, bare, prod]
cases:
  - name: List items
    markers: [smoke]
    steps:
      - api_call: {method: GET, path: /api/items, status: 200}
  - name: Create an item
    steps:
      - api_call: {method: POST, path: /api/items, as: customer, status: 201}
  - name: Refused write
    destructive: false
    steps:
      - api_call: {method: POST, path: /api/items, status: 401}
"""


def test_each_case_is_an_item_named_after_it(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given a feature file with three cases in the features suite
    write_feature("suites/features/items.feature.yaml", THREE_CASES)

    # When it is collected
    result = run_inprocess(feature_project, "--env=stub", "--collect-only", "-q")

    # Then each case is one item, its id the file and the case name
    result.stdout.fnmatch_lines(
        [
            "suites/features/items.feature.yaml::List items",
            "suites/features/items.feature.yaml::Create an item",
            "suites/features/items.feature.yaml::Refused write",
            "3 tests collected*",
        ]
    )


@pytest.mark.parametrize(
    ("selection", "selected"),
    [
        (["-m", "features"], ["List items", "Create an item", "Refused write"]),
        (["-m", "destructive"], ["Create an item"]),
        (["-m", "features and not destructive"], ["List items", "Refused write"]),
        (["-m", "smoke"], ["List items"]),
        (["-k", "create"], ["Create an item"]),
    ],
)
def test_markers_select_cases_like_any_other_test(
    feature_project: pytest.Pytester,
    write_feature: Write,
    selection: list[str],
    selected: list[str],
) -> None:
    # Given the three cases: a read, a write (destructive), and a refused write marked safe
    write_feature("suites/features/items.feature.yaml", THREE_CASES)

    # When a marker expression or -k selects among them
    result = run_inprocess(feature_project, "--env=stub", "--collect-only", "-q", *selection)

    # Then exactly the matching cases are collected
    ids = [line.split("::", 1)[1] for line in result.outlines if "::" in line]
    assert ids == selected


def test_cases_run_and_pass_against_the_environment(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    write_feature("suites/features/items.feature.yaml", THREE_CASES)

    result = run_inprocess(feature_project, "--env=stub")

    result.assert_outcomes(passed=3)


def test_a_feature_file_outside_suites_gets_the_features_marker_too(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    write_feature("checks/items.feature.yaml", THREE_CASES)

    result = run_inprocess(feature_project, "--env=stub", "-m", "features", "checks")

    result.assert_outcomes(passed=3)


def test_environments_limit_where_a_feature_runs(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given a feature for staging only
    write_feature(
        "suites/features/staging.feature.yaml",
        """
        feature: Staging only
        environments: [prod]
        cases:
          - name: Health
            steps:
              - api_call: {method: GET, path: /api/health}
        """,
    )

    # When it runs on another environment
    result = run_inprocess(feature_project, "--env=stub", "-rs")

    # Then it is skipped with the reason
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] suites/features/staging.feature.yaml: runs only on prod; this is stub"]
    )


PREREQUISITES = """
feature: Needs {what}
prerequisites: [{what}]
cases:
  - name: Check
    steps:
      - api_call: {{method: GET, path: /api/health}}
"""


@pytest.mark.parametrize(
    ("what", "env", "reason"),
    [
        ("database", "stub", "requires database: stub has no database.url (add it to*"),
        (
            "auth",
            "bare",
            "requires customer: not configured for bare (add services.customer or "
            "credentials.customer to [[]environments.bare[]])",
        ),
        ("payment", "bare", "requires payment: not configured for bare*"),
        ("email", "stub", "requires email: not configured for stub*"),
    ],
)
def test_missing_prerequisites_skip_with_the_reason(
    feature_project: pytest.Pytester, write_feature: Write, what: str, env: str, reason: str
) -> None:
    # Given a feature with a prerequisite the environment lacks
    write_feature("suites/features/needs.feature.yaml", PREREQUISITES.format(what=what))

    # When it runs there
    result = run_inprocess(feature_project, f"--env={env}", "-rs")

    # Then it is skipped, saying what is missing and where to configure it
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] suites/features/needs.feature.yaml: {reason}"])


@pytest.mark.parametrize("what", ["auth", "payment"])
def test_present_prerequisites_let_the_case_run(
    feature_project: pytest.Pytester, write_feature: Write, what: str
) -> None:
    write_feature("suites/features/needs.feature.yaml", PREREQUISITES.format(what=what))

    result = run_inprocess(feature_project, "--env=stub")

    result.assert_outcomes(passed=1)


def test_a_role_used_by_a_step_is_required_of_the_environment(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given a case that calls the API as admin, on an environment without admin credentials
    write_feature(
        "suites/features/admin.feature.yaml",
        """
        feature: Admin
        cases:
          - name: Read as admin
            steps:
              - api_call: {method: GET, path: /api/items/7, as: admin}
        """,
    )

    result = run_inprocess(feature_project, "--env=prod", "-rs")

    # Then it is skipped before any login is tried
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*requires admin: not configured for prod*"])


def test_destructive_cases_are_refused_on_a_sensitive_environment(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given a read, a write and a refused write, on the sensitive environment prod
    write_feature("suites/features/items.feature.yaml", THREE_CASES)

    # When the suite runs there without --allow-destructive
    refused = run_inprocess(feature_project, "--env=prod", "-rs")

    # Then only the writing case is skipped, loudly, and the others run
    refused.assert_outcomes(passed=2, skipped=1)
    refused.stdout.fnmatch_lines(
        [
            "deploygate: policy skipped 1 destructive test on prod (sensitive)*",
            "SKIPPED [[]1[]] suites/features/items.feature.yaml: destructive test refused on "
            "sensitive environment prod; pass --allow-destructive to run it",
        ]
    )

    # And --allow-destructive runs it
    allowed = run_inprocess(feature_project, "--env=prod", "--allow-destructive")
    allowed.assert_outcomes(passed=3)


def test_a_click_makes_a_case_destructive_unless_it_says_otherwise(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given browser cases: one only looks, one clicks, one clicks but declares itself safe
    write_feature(
        "suites/features/pages.feature.yaml",
        """
        feature: Pages
        cases:
          - name: Look
            steps:
              - navigate: /page.html
              - verify: {visible: customer-name}
          - name: Click
            steps:
              - navigate: /page.html
              - click: submit-booking
          - name: Open a menu
            destructive: false
            steps:
              - navigate: /page.html
              - click: mobile-menu-toggle
        """,
    )

    result = run_inprocess(
        feature_project, "--env=stub", "--collect-only", "-q", "-m", "destructive"
    )

    assert [line for line in result.outlines if "::" in line] == [
        "suites/features/pages.feature.yaml::Click"
    ]


def test_loading_the_plugin_twice_collects_each_case_once(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given the plugin named by -p (ini) and again by a conftest
    write_feature("suites/features/items.feature.yaml", THREE_CASES)
    feature_project.makeconftest('pytest_plugins = ["pytest_deploygate.features.plugin"]')

    result = run_inprocess(feature_project, "-p", "pytest_deploygate.features.plugin", "--env=stub")

    result.assert_outcomes(passed=3)


def test_the_shipped_feature_files_collect_against_a_teams_environments(
    feature_project: pytest.Pytester,
) -> None:
    # Given a team's environments file without the project's own environments, and the
    # shipped feature files
    from pytest_deploygate.suites.plugin import SUITES_DIR

    # When they are collected
    environments = feature_project.path / "environments.toml"
    result = run_inprocess(
        feature_project,
        *("--env=stub", "--environments-file", str(environments), "--collect-only", "-q"),
        str(SUITES_DIR / "features"),
    )

    # Then they are items, not collection errors (they name no environment of the project's)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*booking.feature.yaml::*", "*tests collected*"])
