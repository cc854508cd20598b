"""Secrets: interpolated values, credentials and login tokens never reach output or reports."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from plugin_support import TOKEN, Loopback, Run

from pytest_deploygate import Masker

PASSWORD = "s3cret-Passw0rd"
USERNAME = "ops-admin-7781"
DB_PASSWORD = "db-pw-55aa77"
API_KEY = "key-1b2c3d4e5f"


def test_masker_masks_longest_first_and_learns_new_secrets() -> None:
    masker = Masker(["abc", "abcdef"])
    assert masker("x abcdef y abc") == "x *** y ***"
    masker.add("tok-1")
    assert masker("Bearer tok-1") == "Bearer ***"
    assert not Masker().secrets and masker.secrets == {"abc", "abcdef", "tok-1"}


def test_a_very_short_secret_is_masked_where_it_stands_alone_not_inside_words() -> None:
    # A one-letter password masked everywhere made "gates" "g***tes" and broke gates.json.
    masker = Masker(["a", "pw"])
    assert masker("password a, pw=pw; gates") == "password ***, ***=***; gates"
    assert masker.mask_all({"gates": {"verdict": "a"}}) == {"gates": {"verdict": "***"}}


def test_no_secret_in_stdout_stderr_or_reports(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    server: Loopback,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an environment whose credentials, database URL and service key come from variables
    for name, value in {
        "QA_USER": USERNAME,
        "QA_PASSWORD": PASSWORD,
        "QA_DB_PASSWORD": DB_PASSWORD,
        "QA_KEY": API_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    environments(
        f"""
        [environments.qa]
        base_url = "{server.url}"
        database.url = "postgresql://app:${{QA_DB_PASSWORD}}@127.0.0.1:9/app"
        credentials.admin = {{ username = "${{QA_USER}}", password = "${{QA_PASSWORD}}" }}
        services.payment = "{server.url}/pay?key=${{QA_KEY}}"
        """
    )
    # ... and tests that print, log and fail with every secret, after logging in
    pytester.makepyfile(
        f"""
        import logging, sys

        def test_prints_secrets(admin_api, deploy_env):
            token = admin_api.headers["Authorization"]
            print("stdout", token, deploy_env.credentials["admin"], deploy_env.database_url)
            print("stderr", "{PASSWORD}", "{USERNAME}", "{API_KEY}", file=sys.stderr)
            logging.getLogger("app").warning("log %s %s", token, "{DB_PASSWORD}")
            assert admin_api.get("/api/services").status_code == 500, (token, "{PASSWORD}")

        def test_fails_with_a_secret(admin_api, deploy_env):
            raise RuntimeError(f"{{deploy_env.services['payment']}} {{admin_api.headers}}")
        """
    )
    # When the session runs with every report pytest can write
    result = run(
        "--env=qa",
        "--no-preflight",
        "-rA",
        "--showlocals",
        "-vv",
        "--html=reports/report.html",
        "--self-contained-html",
        "--junitxml=reports/junit.xml",
        "-o",
        "junit_logging=all",
    )
    result.assert_outcomes(failed=2)
    # Then the login happened with the real secret, but nothing written shows any secret
    assert ("POST", "/api/auth/login", "") in server.requests
    assert any(auth == f"Bearer {TOKEN}" for _, _, auth in server.requests)
    written = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        **{
            str(path): path.read_text(errors="replace")
            for path in pytester.path.joinpath("reports").rglob("*")
            if path.is_file()
        },
    }
    assert len(written) >= 4, list(written)
    for where, text in written.items():
        for secret in (PASSWORD, USERNAME, DB_PASSWORD, API_KEY, TOKEN):
            assert secret not in text, f"{secret!r} leaked into {where}"
    assert "***" in written["stdout"]


def test_report_metadata_is_masked(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    server: Loopback,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QA_DB_URL", f"postgresql://app:{DB_PASSWORD}@db/app")
    environments(f'[environments.qa]\nbase_url = "{server.url}"\ndatabase.url = "${{QA_DB_URL}}"\n')
    pytester.makepyfile("def test_one(deploy_env): pass")
    run("--env=qa", "--html=reports/report.html").assert_outcomes(passed=1)
    html = pytester.path.joinpath("reports/report.html").read_text()
    assert "Deploygate database" in html and DB_PASSWORD not in html
    assert "Deploygate policy" in html and "not sensitive" in html


def test_a_one_letter_password_leaves_the_written_documents_whole(
    pytester: pytest.Pytester,
    run: Run,
    environments: Callable[[str], None],
    server: Loopback,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QA_PASSWORD", "e")
    environments(
        f'[environments.qa]\nbase_url = "{server.url}"\n'
        'credentials.admin = { username = "ops", password = "${QA_PASSWORD}" }\n'
    )
    pytester.makepyfile("def test_one(deploy_env): pass")
    result = run("--env=qa", "--no-preflight")
    result.assert_outcomes(passed=1)
    assert result.ret == 0, result.stdout.str()[-2000:]
    document = json.loads(pytester.path.joinpath("reports/gates.json").read_text())
    assert document["verdict"] == "pass" and "tests" in document
