"""Chromium discovery, the offline launch flags and the override of pytest-playwright's fixture."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import inner_session
import pytest

from pytest_deploygate.browser import discovery
from pytest_deploygate.browser.discovery import (
    BrowserNotFoundError,
    chromium_launch_args,
    find_chromium,
)

SYSTEM_CHROMIUM = "/usr/bin/chromium"
needs_system_chromium = pytest.mark.skipif(
    not os.access(SYSTEM_CHROMIUM, os.X_OK), reason=f"needs {SYSTEM_CHROMIUM}"
)


def _fake_executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_an_explicit_executable_wins_over_everything(tmp_path: Path) -> None:
    fake = _fake_executable(tmp_path / "my-chromium")
    own = _fake_executable(tmp_path / "playwright-chrome")

    assert find_chromium(str(fake), str(own)) == str(fake)


def test_a_missing_explicit_executable_says_which_path_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFoundError, match=r"--browser-executable .*nope: no executable"):
        find_chromium(str(tmp_path / "nope"), None)


def test_playwrights_own_browser_is_used_when_installed(tmp_path: Path) -> None:
    own = _fake_executable(tmp_path / "chrome")

    # None: Playwright launches its own build, no executable_path needed.
    assert find_chromium(None, str(own), candidates=["/nonexistent/chromium"]) is None


def test_system_chromium_is_found_by_absolute_path_or_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_executable(tmp_path / "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path))

    found = find_chromium(None, str(tmp_path / "not-installed"), candidates=["chromium-browser"])

    assert found == str(tmp_path / "chromium-browser")


def test_no_browser_at_all_is_one_message_with_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFoundError) as error:
        find_chromium(None, str(tmp_path / "chrome"), candidates=["/nonexistent/chromium"])

    message = str(error.value)
    assert "\n" not in message
    assert "no Chromium found" in message
    assert "python -m playwright install chromium" in message
    assert "--browser-executable" in message


def test_launch_args_add_the_offline_flags_once_and_keep_existing_ones() -> None:
    launch = chromium_launch_args(
        {"headless": False, "args": ["--no-sandbox", "--lang=en"]}, "/opt/chromium"
    )

    assert launch["headless"] is False
    assert launch["executable_path"] == "/opt/chromium"
    assert launch["args"].count("--no-sandbox") == 1
    assert "--lang=en" in launch["args"]
    assert set(discovery.OFFLINE_HEADLESS_ARGS) <= set(launch["args"])


LAUNCH_ARGS_TEST = """
def test_launch_args(browser_type_launch_args, pytestconfig):
    print("LAUNCH", sorted(browser_type_launch_args.items()))
    assert browser_type_launch_args["slow_mo"] == 1  # pytest-playwright's own option kept
    assert "--disable-background-networking" in browser_type_launch_args["args"]
    assert browser_type_launch_args["executable_path"] == "{executable}"

def test_page_opens(page):
    page.goto("/clean.html")
    assert page.title() == "Clean booking page"
"""


@needs_system_chromium
def test_the_override_wins_over_pytest_playwright_in_a_real_session(
    browser_pytester: pytest.Pytester,
) -> None:
    # Given pytest-playwright loaded from its entry point, ours with -p (so earlier), and our
    # registration called again, as the core's plugin.py may do
    browser_pytester.makeconftest(
        """
        from pytest_deploygate.browser import plugin as browser

        def pytest_configure(config):
            browser.register(config)
            browser.register(config)
        """
    )
    browser_pytester.makepyfile(LAUNCH_ARGS_TEST.format(executable=SYSTEM_CHROMIUM))

    # When the session runs with a pytest-playwright option and an explicit executable
    result = inner_session.run_sub(
        browser_pytester,
        "--slowmo=1",
        f"--browser-executable={SYSTEM_CHROMIUM}",
        "-p",
        "pytest_deploygate.browser.plugin",
    )

    # Then our fixture wrapped theirs: their option and our flags are both there, and a
    # real Chromium opened the page
    result.assert_outcomes(passed=2)


def test_a_missing_browser_fails_browser_tests_with_the_install_hint(
    browser_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given no Playwright browser (empty browsers folder) and no system Chromium
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers"))
    monkeypatch.delenv("DEPLOYGATE_BROWSER_EXECUTABLE", raising=False)
    browser_pytester.makeconftest(
        """
        from pytest_deploygate.browser import discovery

        discovery.SYSTEM_CHROMIUM_CANDIDATES = ("/nonexistent/chromium",)
        """
    )
    browser_pytester.makepyfile(
        """
        def test_one(page):
            pass

        def test_two(page):
            pass

        def test_without_browser():
            pass
        """
    )

    result = inner_session.run_sub(browser_pytester)

    # Then each browser test errors with the same single line; the rest still runs
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*deploygate: no Chromium found: Playwright's own browser is not installed*"
            "python -m playwright install chromium*--browser-executable PATH*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*During handling of the above exception*")
