"""Settings, the fault list, LiveServer start-up errors and `python -m reference_app`."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

import pytest_deploygate.reference
from pytest_deploygate.reference import FAULTS, LiveServer, Settings, create_app


def test_public_names_are_stable() -> None:
    assert sorted(pytest_deploygate.reference.__all__) == [
        "FAULTS",
        "LiveServer",
        "Settings",
        "create_app",
    ]


def test_settings_from_env_reads_every_variable() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "sqlite:///x.db",
            "REFERENCE_APP_FAULTS": "bola, slow-api",
            "REFERENCE_APP_JWT_SECRET": "s" * 32,
            "REFERENCE_APP_ADMIN_EMAIL": "boss@example.com",
            "REFERENCE_APP_CHAT_RATE_LIMIT": "5",
        }
    )
    assert settings.database_url == "sqlite:///x.db"
    assert settings.faults == {"bola", "slow-api"}
    assert settings.jwt_secret == "s" * 32 and settings.admin_email == "boss@example.com"
    assert settings.chat_rate_limit == 5
    assert Settings.from_env({}).faults == frozenset()


def test_unknown_fault_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown fault 'nope' in REFERENCE_APP_FAULTS") as info:
        Settings.from_env({"REFERENCE_APP_FAULTS": "bola,nope"})
    assert all(name in str(info.value) for name in FAULTS)


def test_secrets_stay_out_of_repr() -> None:
    text = repr(Settings(jwt_secret="top-secret-value"))
    assert "top-secret-value" not in text and "TestAdmin123!" not in text


def test_non_integer_number_setting_is_explained() -> None:
    with pytest.raises(ValueError, match="REFERENCE_APP_CHAT_RATE_LIMIT='lots' is not an integer"):
        Settings.from_env({"REFERENCE_APP_CHAT_RATE_LIMIT": "lots"})


def test_live_server_reports_a_port_in_use(tmp_path: pytest.TempPathFactory) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/a.db"))
        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            LiveServer(app, port=port).start()


def test_live_server_reraises_a_database_start_up_error(closed_port: int) -> None:
    app = create_app(Settings(database_url=f"postgresql://nobody@127.0.0.1:{closed_port}/none"))
    with pytest.raises(Exception, match="127.0.0.1"):
        LiveServer(app).start()


FAILED_START = """
import gc, sys
from pytest_deploygate.reference import LiveServer, Settings, create_app
app = create_app(Settings(database_url="postgresql://nobody@127.0.0.1:{port}/none"))
try:
    LiveServer(app).start()
except Exception as exc:
    print("start failed:", type(exc).__name__)
gc.collect()
"""


def test_a_failed_start_leaves_no_task_to_log_a_traceback_later(closed_port: int) -> None:
    # Given a platform whose start-up fails (uvicorn turns that into SystemExit in its task),
    # in an interpreter of its own, so whenever the leftover would be collected is seen
    done = subprocess.run(
        [sys.executable, "-c", FAILED_START.format(port=closed_port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "start failed: OperationalError" in done.stdout, done.stdout + done.stderr
    # Then no task logs "exception was never retrieved" when it is collected: that log formats
    # a traceback, and on CPython 3.11 doing so from inside a compile() the collection
    # interrupted breaks it ("AST constructor recursion depth mismatch": an INTERNALERROR of
    # whatever pytest session was formatting a traceback then).
    assert "never retrieved" not in done.stderr, done.stderr


def test_live_server_serves_and_stops(tmp_path: pytest.TempPathFactory) -> None:
    with LiveServer(create_app(Settings(database_url=f"sqlite:///{tmp_path}/b.db"))) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/api/health").status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/api/health", timeout=2)


def test_command_line_refuses_an_unknown_fault() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_deploygate.reference", "--faults", "bola,bogus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown fault 'bogus' in --faults; valid faults: accept-unsigned-jwt" in result.stderr
