"""The Locust runner: a real headless Locust subprocess against a real loopback server."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from booking_stub import AUTH, BookingStub

from pytest_deploygate.load.config import BOOKING_LOCUSTFILE, LoadRun
from pytest_deploygate.load.runner import (
    Artifacts,
    LoadRunError,
    locust_command,
    locust_executable,
    run_locust,
)

# Short runs, few users, little think time: enough requests to measure, seconds per test.
QUICK = {"users": 4, "duration": 2, "ramp_up": 0, "think_time": (0.05, 0.1), "stop_timeout": 1}


def _run(stub: BookingStub, tmp_path: Path, auth: str | None = AUTH, **changes: object):
    run = LoadRun(host=stub.url, destructive=True, run_id="t1", **{**QUICK, **changes})  # type: ignore[arg-type]
    environ = dict(os.environ, DEPLOYGATE_LOAD_AUTH=auth) if auth else dict(os.environ)
    return run_locust(run, Artifacts(tmp_path, "run"), environ)


def test_a_run_measures_every_task_and_cancels_what_it_booked(
    stub: BookingStub, tmp_path: Path
) -> None:
    result = _run(stub, tmp_path)
    assert result.requests > 0 and result.failures == 0, result.summary()
    names = {e.name for e in result.endpoints}
    assert names >= {"GET services", "GET availability", "POST bookings", "POST cancel"}, names
    assert stub.bookings == {}, "every booking made under load must be cancelled"
    # Locust rounds percentiles to whole milliseconds, so a sub-millisecond stub has a p50 of 0;
    # the average is exact.
    assert result.avg_ms > 0 and 0 <= result.p50_ms <= result.p95_ms <= result.p99_ms
    assert result.rps > 0
    # Locust's own reports are kept next to the statistics
    for kept in ("run.html", "run.json", "run_stats.csv", "run_failures.csv"):
        assert (tmp_path / kept).is_file(), kept
    assert result.html_report == tmp_path / "run.html"


def test_without_a_signed_in_customer_nothing_is_booked(stub: BookingStub, tmp_path: Path) -> None:
    result = _run(stub, tmp_path, auth=None)
    assert result.requests > 0
    assert {e.name for e in result.endpoints} == {"GET services", "GET availability"}


def test_failed_requests_count_as_errors_and_are_named(stub: BookingStub, tmp_path: Path) -> None:
    stub.fail_bookings = True
    result = _run(stub, tmp_path, think_time=(0.0, 0.02))
    assert result.failures > 0 and result.error_rate > 0, result.summary()
    assert any("POST bookings: booking answered 500" in e for e in result.errors), result.errors
    # ... read from what the locustfile wrote at exit, not from the CSV Locust rewrites once a
    # second (it missed every failure of a short run that ended between two rewrites)
    assert "booking answered 500" in (tmp_path / "run_errors.json").read_text()


def test_a_slow_platform_shows_in_the_percentiles(stub: BookingStub, tmp_path: Path) -> None:
    stub.delay_s = 0.25
    result = _run(stub, tmp_path, users=3)
    assert result.p50_ms >= 250 and result.p95_ms >= 250, result.summary()


def test_locust_worker_processes_report_to_one_result(stub: BookingStub, tmp_path: Path) -> None:
    result = _run(stub, tmp_path, processes=2, duration=3)
    assert result.requests > 0 and result.failures == 0, result.summary()
    command = locust_command(
        LoadRun(host=stub.url, users=2, duration=1, processes=2), Artifacts(tmp_path, "x")
    )
    assert "--processes" in command
    # Master and forked workers meet on a free loopback port, not Locust's fixed 5557.
    port = command[command.index("--master-bind-port") + 1]
    assert command[command.index("--master-port") + 1] == port != "5557"
    assert command[command.index("--master-bind-host") + 1] == "127.0.0.1"


@pytest.mark.parametrize("host", ["ftp://127.0.0.1/", "127.0.0.1:8000", "http://"])
def test_only_an_http_base_url_is_a_target(host: str, tmp_path: Path) -> None:
    with pytest.raises(LoadRunError, match="is not an http\\(s\\) URL"):
        run_locust(LoadRun(host=host, users=1, duration=1), Artifacts(tmp_path, "x"))


def test_a_broken_locustfile_is_one_error_with_locusts_words(tmp_path: Path) -> None:
    locustfile = tmp_path / "broken.py"
    locustfile.write_text("from locust import HttpUser\nraise ImportError('no such module xyz')\n")
    run = LoadRun(host="http://127.0.0.1:9", users=1, duration=1, locustfile=locustfile)
    with pytest.raises(LoadRunError) as caught:
        run_locust(run, Artifacts(tmp_path, "broken"))
    assert "exited with status" in str(caught.value)
    assert "no such module xyz" in str(caught.value)


def test_a_hung_run_is_killed_at_its_hard_timeout_and_reaped(tmp_path: Path) -> None:
    # Given a locustfile that never lets Locust start (and tells us its pid)
    pid_file = tmp_path / "pid"
    locustfile = tmp_path / "hang.py"
    locustfile.write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n"
    )
    run = LoadRun(
        host="http://127.0.0.1:9", users=1, duration=1, locustfile=locustfile,
        stop_timeout=0, startup_grace=2,
    )  # fmt: skip
    # When it runs
    started = time.monotonic()
    with pytest.raises(LoadRunError, match="did not finish within its hard timeout of 3 s"):
        run_locust(run, Artifacts(tmp_path, "hang"))
    # Then it was stopped near its bound, and the process no longer exists
    assert time.monotonic() - started < 30
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_a_master_run_takes_its_load_from_a_worker_started_elsewhere(
    stub: BookingStub, tmp_path: Path
) -> None:
    # Given a Locust worker started on its own (as on another machine), pointed at this master
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    worker = subprocess.Popen(
        [*locust_executable(), "-f", str(BOOKING_LOCUSTFILE), "--worker",
         "--master-host", "127.0.0.1", "--master-port", str(port)],
        env=dict(os.environ, DEPLOYGATE_LOAD_AUTH=AUTH),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # When the harness runs as master expecting one worker
        result = _run(stub, tmp_path, workers=1, master_port=port)
        # Then the worker's requests are in the result, and the worker is told to quit
        assert result.requests > 0 and result.failures == 0, result.summary()
        assert worker.wait(timeout=30) is not None
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
