"""What the plugin leaves in a user's session: no Locust plugin, a clean --junitxml, and its
hand-offs through hookspecs; old import paths still work for a release, with a warning."""

from __future__ import annotations

import importlib
import warnings

import inner_session
import pytest

GATES = '[gates]\n"http.requests" = ">= 0"\n[environments.qa]\nbase_url = "http://127.0.0.1:9"\n'


def test_locusts_own_pytest_plugin_is_kept_out(pytester: pytest.Pytester) -> None:
    # Locust's pytest11 entry point would add --host and `session`/`fastsession` fixtures.
    help_text = inner_session.run_sub(pytester, "--help").stdout.str()
    fixtures = inner_session.run_sub(pytester, "--fixtures").stdout.str()

    assert "--host" not in help_text and "--environments-file" in help_text
    assert "fastsession" not in fixtures and "deploy_env" in fixtures


def test_dash_p_locust_brings_it_back(pytester: pytest.Pytester) -> None:
    fixtures = inner_session.run_sub(pytester, "-p", "locust", "--fixtures").stdout.str()

    assert "fastsession" in fixtures


def test_gates_hand_their_result_to_other_plugins_through_a_hook(
    pytester: pytest.Pytester,
) -> None:
    # Given a third-party plugin that implements deploygate's hookspec
    pytester.path.joinpath("environments.toml").write_text(GATES)
    pytester.makeconftest(
        """
        def pytest_deploygate_gates_evaluated(config, results, document):
            print("GATES", document["verdict"], ",".join(r.metric for r in results))
        """
    )
    pytester.makepyfile(test_x="def test_x():\n    pass\n")

    # When a run evaluates its gates
    result = inner_session.run_sub(pytester, "--env=qa", "--no-preflight", "-s", "test_x.py")

    # Then it receives the result once
    result.stdout.fnmatch_lines(["*GATES pass http.requests"])
    assert result.stdout.str().count("GATES") == 1


def test_a_users_junit_file_carries_no_deploygate_data(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("environments.toml").write_text(GATES)
    pytester.makepyfile(
        test_x="""
        from pytest_deploygate import record_metric

        def test_x(record_property):
            record_property("mine", "1")
            record_metric("custom.requests", 1)
        """
    )

    inner_session.run_sub(
        pytester, "--env=qa", "--no-preflight", "--junitxml=junit.xml", "test_x.py"
    )

    junit = pytester.path.joinpath("junit.xml").read_text()
    assert 'name="mine"' in junit and "deploygate" not in junit


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("pytest_deploygate.environments", "Environment", "pytest_deploygate.config"),
        ("pytest_deploygate.metrics", "record_metric", "pytest_deploygate.session.metrics"),
        ("pytest_deploygate.accessibility", "run_axe", "pytest_deploygate.browser.accessibility"),
        ("pytest_deploygate.booking_ui", "BookingUI", "pytest_deploygate.browser.booking_ui"),
        ("pytest_deploygate.report", "build_document", "pytest_deploygate.gates.report"),
        ("pytest_deploygate.http", "InstrumentedClient", "pytest_deploygate.session.http"),
    ],
)
def test_old_import_paths_work_for_a_release_with_a_warning(old: str, name: str, new: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(importlib.import_module(old), name)

    assert value is getattr(importlib.import_module(new), name)
    assert [w.category for w in caught] == [DeprecationWarning]
    assert f"import {name} from {new}" in str(caught[0].message)
