"""Gate results in the Prometheus exposition format, read back by prometheus_client's parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from pytest_deploygate.monitoring import render, samples_from_gates

DOCUMENT = {
    "verdict": "fail",
    "run": {"duration_s": 12.5},
    "tests": {"all": {"passed": 9, "failed": 1, "skipped": 2, "xfailed": 0}},
    "metrics": {"http.p95_ms": 250.0, "load.error_rate": 0.0, "tests.pass_rate.security": 90.0},
    "gates": [
        {"metric": "http.p95_ms", "threshold": "< 200", "verdict": "fail"},
        {"metric": "load.error_rate", "threshold": "< 0.1", "verdict": "pass"},
        {"metric": "coverage.lines", "threshold": ">= 85", "verdict": "not measured"},
    ],
}


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_every_metric_gate_and_the_run_verdict_parse_with_the_labels() -> None:
    labels = {"environment": "staging", "run_id": 'r-"1"'}

    text = render(samples_from_gates(DOCUMENT, 1_700_000_000.0), labels)
    found = parse(text)

    base = frozenset(labels.items())
    assert found[("deploygate_http_p95_ms", base)] == 250.0
    assert found[("deploygate_tests_pass_rate_security", base)] == 90.0
    assert found[("deploygate_run_passed", base)] == 0.0
    assert found[("deploygate_tests", base | {("outcome", "failed")})] == 1.0
    assert found[("deploygate_gate_breached", base | {("metric", "http.p95_ms")})] == 1.0
    assert found[("deploygate_gate_breached", base | {("metric", "load.error_rate")})] == 0.0
    threshold = base | {("metric", "http.p95_ms"), ("op", "<")}
    assert found[("deploygate_gate_threshold", threshold)] == 200.0
    # An unmeasured gate has no breached sample: absent is not "passed".
    assert ("deploygate_gate_breached", base | {("metric", "coverage.lines")}) not in found
    assert text.count("# TYPE deploygate_gate_breached gauge") == 1
