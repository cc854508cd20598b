"""The suites over https: the reference platform serving TLS (``launch_options.tls``), a
platform behind a private CA named by ``[platform] ca_bundle``, and the one line a missing or
wrong CA file gives. The HSTS check, which skips over http, runs here and is shown to fail on
the no-hsts fault.

Each run is a real `pytest --env=...` session in a subprocess (pytester) against a real
platform on loopback, serving a certificate from a throwaway CA (trustme).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from inner_session import outcomes_of
from security_api_support import REPO, environments_file, run_suite

from pytest_deploygate.config import DeployGateConfigError, load_environment
from pytest_deploygate.reference import LiveServer, Settings, create_app
from pytest_deploygate.reference.tls import LocalTLS, local_tls

HEADERS = str(REPO / "pytest_deploygate" / "suites" / "security" / "test_security_headers.py")
HSTS = "test_security_headers::test_https_environments_send_hsts"


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalTLS:
    return local_tls(tmp_path_factory.mktemp("private-ca"))


@pytest.fixture(scope="module")
def https_platform(tmp_path_factory: pytest.TempPathFactory, private_ca: LocalTLS) -> Iterator[str]:
    """The clean reference platform at a base_url, serving a certificate of ``private_ca``."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('platform') / 'reference.db'}"
    app = create_app(Settings(database_url=database_url))
    with LiveServer(app, certfile=private_ca.certfile, keyfile=private_ca.keyfile) as server:
        yield server.url


def with_ca_bundle(environments: Path, ca_bundle: str) -> None:
    text = environments.read_text(encoding="utf-8")
    environments.write_text(f'[platform]\nca_bundle = "{ca_bundle}"\n\n{text}', encoding="utf-8")


def test_the_hsts_check_runs_over_tls_and_fails_on_no_hsts(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the embedded platform served over https with a throwaway CA (local-tls)
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    # When the header checks run against it
    result = run_suite(pytester, "--env=local-tls", HEADERS)
    # Then the session trusted its CA and every check ran, HSTS included (over http it skips);
    # only the cookie check skips (the platform sets no cookies)
    assert result.ret in (0, 99), result.stdout.str()  # 99: a latency gate, not this test's
    outcomes = outcomes_of(pytester)
    cookies = "test_security_headers::test_cookies_are_secure_httponly_and_samesite"
    assert outcomes.pop(cookies)[0] == "skipped"
    assert outcomes[HSTS] == ("passed", "")
    assert set(outcomes.values()) == {("passed", "")}, outcomes

    # Given the same platform without its Strict-Transport-Security header
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "no-hsts")
    # When the HSTS check runs
    run_suite(pytester, "--env=local-tls", "-k", "hsts", HEADERS)
    # Then it fails, naming the missing header on each page it checked
    outcome, message = outcomes_of(pytester)[HSTS]
    assert outcome == "failed", message
    for path in ("/api/health", "/api/services", "/", "/book"):
        assert f"GET {path} is missing header Strict-Transport-Security" in message


def test_a_ca_bundle_beside_the_environments_file_verifies_a_private_ca(
    pytester: pytest.Pytester, https_platform: str, private_ca: LocalTLS
) -> None:
    # Given a platform at a base_url whose certificate a private CA signed, and that CA's file
    # named relative to the environments file
    (pytester.path / "certs").mkdir()
    shutil.copy(private_ca.ca_bundle, pytester.path / "certs" / "ca.pem")
    with_ca_bundle(environments_file(pytester.path, "private", https_platform), "certs/ca.pem")
    # When the header checks run against it
    result = run_suite(
        pytester, "--environments-file=environments.toml", "--env=private", "-k", "hsts", HEADERS
    )
    # Then the instrumented client verified the certificate and the HSTS check passed
    assert result.ret in (0, 99), result.stdout.str()
    assert outcomes_of(pytester) == {HSTS: ("passed", "")}


def test_a_missing_ca_bundle_is_one_line_naming_the_key(
    pytester: pytest.Pytester, https_platform: str
) -> None:
    with_ca_bundle(environments_file(pytester.path, "private", https_platform), "certs/ca.pem")

    result = run_suite(pytester, "--environments-file=environments.toml", "--env=private", HEADERS)

    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    missing = (pytester.path / "certs" / "ca.pem").resolve()
    assert result.errlines == [
        f"ERROR: environments.toml: [platform] ca_bundle = 'certs/ca.pem': no such file "
        f"({missing}); point it at the PEM file of the CA that signed the platform's "
        "certificate (relative to environments.toml)",
        "",
    ]


def test_a_ca_bundle_that_is_not_a_certificate_is_one_line_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n", encoding="utf-8")
    path = environments_file(tmp_path, "private", "https://127.0.0.1:9")
    text = path.read_text(encoding="utf-8").replace(
        "[environments.private]\n", '[environments.private]\nplatform.ca_bundle = "ca.pem"\n'
    )
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DeployGateConfigError) as error:
        load_environment(path, "private", {})

    line = str(error.value)
    assert "\n" not in line
    assert line.startswith(
        "environments.toml: [environments.private.platform] ca_bundle = 'ca.pem': "
        f"not a PEM CA certificate ({tmp_path / 'ca.pem'}: "
    ), line


def test_a_ca_bundle_of_another_ca_is_one_line_before_any_test(
    pytester: pytest.Pytester, https_platform: str, tmp_path: Path
) -> None:
    # Given a platform whose certificate another CA signed than the one ca_bundle names
    stranger = local_tls(tmp_path)
    shutil.copy(stranger.ca_bundle, pytester.path / "ca.pem")
    with_ca_bundle(environments_file(pytester.path, "private", https_platform), "ca.pem")
    # When a session starts against it
    result = run_suite(pytester, "--environments-file=environments.toml", "--env=private", HEADERS)
    # Then it stops at the preflight, in one line saying the certificate is not trusted
    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str()
    lines = [line for line in result.outlines if "not signed by a CA" in line]
    assert len(lines) == 1, result.stdout.str()
    line = lines[0].rstrip(" !")
    assert (
        f"deploygate: environment private: GET {https_platform}/api/health failed, its TLS "
        f"certificate is not signed by a CA this session trusts (the public roots and "
        f"ca_bundle {(pytester.path / 'ca.pem').resolve()}): [SSL: CERTIFICATE_VERIFY_FAILED] "
    ) in line
    assert line.endswith("set [platform] ca_bundle to that CA's PEM file"), line
    assert outcomes_of(pytester) == {}  # no test ran
