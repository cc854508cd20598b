"""api_call and save steps, ${var} substitution, and what a failing step reports."""

from __future__ import annotations

import pytest
from features_support import TOKEN, StubPlatform, Write, run_inprocess

FILE = "suites/features/api.feature.yaml"


def test_saved_values_data_and_builtins_are_substituted_with_their_types(
    feature_project: pytest.Pytester, write_feature: Write, platform_server: StubPlatform
) -> None:
    # Given a case that saves values from responses and sends them on with data and built-ins
    write_feature(
        FILE,
        """
        feature: Substitution
        data:
          email: deploygate-${run_id}@example.com
          who: feature
        cases:
          - name: Echo
            data: {who: case}
            steps:
              - api_call: {method: GET, path: /api/items}
              - save: {name: item_id, json: $.0.id}
              - save: {name: last_tag, json: 0.tags.-1}
              - save: {name: item, json: "0"}
              - api_call: {method: GET, path: "/api/items/${item_id}"}
              - save: {name: paid, json: paid}
              - api_call: {method: POST, path: /api/items, as: customer, status: 201}
              - save: {name: location, header: Location}
              - api_call:
                  method: POST
                  path: /api/echo
                  headers: {X-Run: "${run_id}"}
                  json:
                    id: ${item_id}
                    paid: ${paid}
                    name: ${item.name}
                    text: "item ${item_id} (${last_tag}) for ${who}"
                    email: ${email}
                    card: ${test_cards.success}
                    where: ${location}
                    literal: $${not_a_variable}
                  expect:
                    received.id: ${item_id}
                    received.paid: true
                    received.email: {matches: "^deploygate-run42@"}
        """,
    )

    # When it runs
    result = run_inprocess(feature_project, "--env=stub")

    # Then it passes, and the platform received typed values, not strings
    result.assert_outcomes(passed=1)
    (body,) = platform_server.bodies("/api/echo")
    assert body == {
        "id": 7,
        "paid": True,
        "name": "cut",
        "text": "item 7 (wash) for case",
        "email": "deploygate-run42@example.com",
        "card": "4242424242424242",
        "where": "/api/items/8",
        "literal": "${not_a_variable}",
    }
    # And the customer call carried the token from the customer login
    assert platform_server.auth("/api/items")[-1] == f"Bearer {TOKEN}"


# (the failing step, the message after "step N of case ... (file:line): ")
FAILURES = [
    (
        "- api_call: {method: GET, path: /api/broken, status: 200}",
        "api_call GET /api/broken: expected status 200, saw 500: 'boom: the stub is broken'",
    ),
    (
        "- api_call: {method: GET, path: /api/broken}",
        "api_call GET /api/broken: expected a 2xx status, saw 500: 'boom: the stub is broken'",
    ),
    (
        "- api_call: {method: POST, path: /api/items, status: [201, 202]}",
        "api_call POST /api/items: expected status 201 or 202, saw 401: "
        '\'{"error": "login required"}\'',
    ),
    (
        "- api_call: {method: GET, path: '/api/items/${first}', expect: {reference: {matches: "
        "'^XX'}}}",
        "api_call GET /api/items/7: expected reference matches '^XX', saw 'BK7' (expect: line 7)",
    ),
    (
        "- api_call: {method: GET, path: /api/items/7, expect: {paid: 1}}",
        "api_call GET /api/items/7: expected paid equals 1, saw True (expect: line 7)",
    ),
    (
        "- api_call: {method: GET, path: /api/items/7, expect: {price: {type: integer}}}",
        "api_call GET /api/items/7: expected price type 'integer', saw 12.5 (expect: line 7)",
    ),
    (
        "- api_call: {method: GET, path: /api/items, expect: {$: {min_items: 2}}}",
        "api_call GET /api/items: expected $ min_items 2, saw 1: *",
    ),
    (
        "- api_call: {method: GET, path: /api/items/7, expect: {owner.name: {exists: true}}}",
        "api_call GET /api/items/7: expected owner.name exists True, saw no value: $ has no key "
        "'owner' (keys: id, reference, paid, price) (expect: line 7)",
    ),
    (
        "- api_call: {method: GET, path: /api/html, expect: {id: 1}}",
        "api_call GET /api/html: expected a JSON body, saw text/html: '<p>not json</p>'",
    ),
    (
        "- save: {name: missing, json: 0.tags.5}",
        "save missing from json 0.tags.5: expected a value at 0.tags.5, saw none: 0.tags is a list "
        "of 2, which has no item '5'",
    ),
    (
        "- save: {name: missing, header: Location}",
        "save missing from header Location: expected a Location header, saw only: *",
    ),
    (
        "- api_call: {method: GET, path: '/api/items/${test_cards.gold}'}",
        "api_call GET /api/items/${test_cards.gold}: ${test_cards.gold} has no value in this "
        "environment",
    ),
]


@pytest.mark.parametrize(
    ("step", "message"),
    FAILURES,
    ids=[
        "status",
        "default-2xx",
        "status-list",
        "json-matches",
        "json-equals-is-typed",
        "json-type",
        "json-min-items",
        "json-missing-path",
        "not-json",
        "save-missing-path",
        "save-missing-header",
        "undefined-at-run-time",
    ],
)
def test_a_failing_step_says_which_step_what_it_expected_and_what_it_saw(
    feature_project: pytest.Pytester, write_feature: Write, step: str, message: str
) -> None:
    # Given a case whose third step fails
    write_feature(
        FILE,
        f"""
        feature: Failures
        cases:
          - name: Breaks at step 3
            steps:
              - api_call: {{method: GET, path: /api/items}}
              - save: {{name: first, json: 0.id}}
              {step}
              - api_call: {{method: GET, path: /api/health}}
        """,
    )

    # When it runs
    result = run_inprocess(feature_project, "--env=stub")

    # Then the failure names the step, its line, what it expected and what it saw, and no
    # Python traceback of the plugin is shown
    result.assert_outcomes(failed=1)
    prefix = f'step 3 of case "Breaks at step 3" ({FILE}:7): '
    pattern = (prefix + message).replace("[", "[[]")
    result.stdout.fnmatch_lines([pattern])
    assert "steps.py" not in result.stdout.str()


def test_an_unreachable_platform_is_a_step_failure_not_a_crash(
    feature_project: pytest.Pytester, write_feature: Write, closed_port: int
) -> None:
    # Given an environment whose port nothing listens on (held bound for the test)
    feature_project.path.joinpath("environments.toml").write_text(
        f'[environments.dead]\nbase_url = "http://127.0.0.1:{closed_port}"\n'
    )
    write_feature(
        FILE,
        """
        feature: Dead
        cases:
          - name: Health
            steps:
              - api_call: {method: GET, path: /api/health}
        """,
    )

    result = run_inprocess(feature_project, "--env=dead", "--no-preflight")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f'step 1 of case "Health" ({FILE}:5): api_call GET /api/health: expected an answer, '
            "saw none: ConnectError: *"
        ]
    )


def test_the_failure_header_names_the_feature_and_case(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    write_feature(
        FILE,
        """
        feature: Items
        cases:
          - name: Broken
            steps:
              - api_call: {method: GET, path: /api/broken}
        """,
    )

    result = run_inprocess(feature_project, "--env=stub", "-rf")

    result.stdout.fnmatch_lines(
        [
            "*_ Items: Broken _*",
            f"FAILED {FILE}::Broken - Failed: step 1 of case*",
        ]
    )
