"""LoadResult: Locust's statistics read back the way Locust computes them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from pytest_deploygate.load.results import LoadResult, percentile, read_result, resolution_ms

# Locust is only ever imported in a subprocess: it monkey-patches the process with gevent.
LOCUST_PERCENTILES = """
import json, sys
from locust.stats import bucket_response_time, calculate_response_time_percentile
cases = json.load(sys.stdin)
print(json.dumps({
    "percentiles": [
        calculate_response_time_percentile(
            {int(k): v for k, v in h.items()}, sum(h.values()), p)
        for h, p in cases["histograms"]
    ],
    "buckets": [bucket_response_time(t) for t in cases["times"]],
}))
"""


def test_percentiles_and_rounding_agree_with_locust_itself() -> None:
    # Given random histograms and response times
    rng = random.Random(7)
    histograms = [
        ({str(bucket): rng.randint(1, 50) for bucket in rng.sample(range(1, 5000), 30)}, p)
        for p in (0.5, 0.95, 0.99)
        for _ in range(20)
    ]
    times = [rng.uniform(0, 60000) for _ in range(200)] + [99.4, 99.6, 995, 9950]
    # When Locust computes them
    answer = subprocess.run(
        [sys.executable, "-c", LOCUST_PERCENTILES],
        input=json.dumps({"histograms": histograms, "times": times}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    locust = json.loads(answer.stdout)
    # Then ours agree, and the documented resolution bounds Locust's rounding
    ours = [percentile({int(k): v for k, v in h.items()}, p) for h, p in histograms]
    assert ours == locust["percentiles"]
    for time_ms, bucket in zip(times, locust["buckets"], strict=True):
        assert abs(bucket - time_ms) <= resolution_ms(time_ms) + 1e-9, (time_ms, bucket)


def _entry(name: str, method: str, times: dict[int, int], failures: int) -> dict[str, object]:
    requests = sum(times.values())
    return {
        "name": name,
        "method": method,
        "last_request_timestamp": 1010.0,
        "start_time": 1000.0,
        "num_requests": requests,
        "num_none_requests": 0,
        "num_failures": failures,
        "total_response_time": sum(t * n for t, n in times.items()),
        "max_response_time": max(times),
        "min_response_time": min(times),
        "total_content_length": 0,
        "response_times": {str(t): n for t, n in times.items()},
        "num_reqs_per_sec": {},
        "num_fail_per_sec": {},
    }


def test_a_result_pools_every_request_name(tmp_path: Path) -> None:
    # Given Locust's --json-file output for two request names and its failures CSV
    stats = tmp_path / "run.json"
    stats.write_text(
        json.dumps(
            [
                _entry("GET services", "GET", {10: 90, 20: 6}, 0),
                _entry("POST bookings", "POST", {300: 4}, 1),
            ]
        )
    )
    failures = tmp_path / "run_failures.csv"
    failures.write_text(
        "Method,Name,Error,Occurrences\nPOST,POST bookings,booking answered 500,1\n"
    )
    # When it is read
    result = read_result(stats, failures, users=4, duration_s=10)
    # Then requests, failures, latency and throughput cover both names
    assert (result.requests, result.failures) == (100, 1)
    assert result.error_rate == 1.0
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms) == (10, 20, 300, 300)
    assert result.avg_ms == (10 * 90 + 20 * 6 + 300 * 4) / 100
    assert result.rps == 10.0
    assert result.errors == ("POST bookings: booking answered 500 (x1)",)
    assert [e.name for e in result.endpoints] == ["GET services", "POST bookings"]
    assert result.metrics() == {
        "load.requests": 100.0,
        "load.error_rate": 1.0,
        "load.rps": 10.0,
        "load.avg_ms": 22.2,
        "load.p50_ms": 10.0,
        "load.p95_ms": 20.0,
        "load.p99_ms": 300.0,
    }


def test_the_summary_states_the_p95_resolution() -> None:
    result = LoadResult(
        users=2, requests=10, failures=0, avg_ms=150, min_ms=90, max_ms=260,
        p50_ms=150, p95_ms=250, p99_ms=260, rps=5, duration_s=2,
    )  # fmt: skip
    assert "p95 250 ms (±5)" in result.summary()
    assert result.error_rate == 0.0
