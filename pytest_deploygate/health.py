"""Health checks of an environment: database, API endpoints, external services (the seed's
HealthCheckManager), each healthy / degraded / unhealthy, with an overall verdict."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from pytest_deploygate.config import Environment
from pytest_deploygate.config.schema import FEATURE_COMPONENTS
from pytest_deploygate.masking import Masker

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
_RANK = {HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}
# application/health+json status of each verdict, and back.
_HEALTH_JSON = {HEALTHY: "pass", DEGRADED: "warn", UNHEALTHY: "fail"}
# A health document's own word for its state: health+json's pass/warn/fail and the common
# spellings (Spring's UP/DOWN, "ok", "healthy"). It decides whatever the HTTP code says: a
# proxy or a lenient framework answers 200 for a document that says "fail".
STATUS_SPELLINGS = {
    "pass": HEALTHY,
    "ok": HEALTHY,
    "up": HEALTHY,
    "healthy": HEALTHY,
    "warn": DEGRADED,
    "degraded": DEGRADED,
    "fail": UNHEALTHY,
    "down": UNHEALTHY,
    "unhealthy": UNHEALTHY,
    "error": UNHEALTHY,
}
SLOW_DATABASE_MS = 1000.0
API_ENDPOINTS = ("health", "services", "availability")
EXTERNAL_SERVICES = ("payment", "email", "sms")


@dataclass
class Probe:
    """One thing looked at (an endpoint, a service, a query) and what was found."""

    name: str
    status: str
    ms: float = 0.0
    output: str = ""


@dataclass
class CheckResult:
    service: str
    probes: list[Probe] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst(p.status for p in self.probes)

    @property
    def ms(self) -> float:
        return max((p.ms for p in self.probes), default=0.0)


@dataclass
class HealthReport:
    environment: str
    results: list[CheckResult]

    @property
    def overall(self) -> str:
        return worst(r.status for r in self.results)

    @property
    def exit_code(self) -> int:
        return _RANK[self.overall]

    def health_json(self) -> dict[str, Any]:
        """The report as an application/health+json document."""
        return {
            "status": _HEALTH_JSON[self.overall],
            "overall": self.overall,
            "environment": self.environment,
            "checks": {
                result.service: [
                    {
                        "componentId": probe.name,
                        "status": _HEALTH_JSON[probe.status],
                        "observedValue": round(probe.ms, 1),
                        "observedUnit": "ms",
                        **({"output": probe.output} if probe.output else {}),
                    }
                    for probe in result.probes
                ]
                for result in self.results
            },
        }

    def table(self) -> str:
        lines = [f"deploygate health: {self.environment} is {self.overall}"]
        for result in self.results:
            lines.append(f"  {result.service:<22} {result.status:<10} {result.ms:>8.1f} ms")
            for probe in result.probes:
                if probe.status != HEALTHY or probe.output:
                    lines.append(f"    {probe.name:<20} {probe.status:<10} {probe.output}")
        return "\n".join(lines)


def worst(statuses: Iterator[str] | Any) -> str:
    return max(statuses, key=_RANK.__getitem__, default=HEALTHY)


def status_of(value: Any) -> str | None:
    """The verdict a document's ``status`` value states; None when it states none.

    A status in a spelling deploygate does not know is unhealthy: it cannot be read as good.
    """
    if value is None:
        return None
    return STATUS_SPELLINGS.get(str(value).strip().lower(), UNHEALTHY)


@dataclass
class DocumentVerdict:
    """What a health document says of itself: its own status and every ``checks`` entry."""

    status: str | None  # None: the document states no status at all
    problems: list[str] = field(default_factory=list)  # "status 'fail'", "payment 'down': ..."


def read_document(body: Any, component: str | None = None) -> DocumentVerdict:
    """The worst status a health document states: its own and each of its ``checks`` (Spring's
    ``components``); or only ``component``'s checks (the key ``component`` or
    ``component:<measure>``, as health+json names them)."""
    if not isinstance(body, dict):
        return DocumentVerdict(None)
    found: list[str] = []
    problems: list[str] = []
    own = status_of(body.get("status"))
    if component is None and own is not None:
        found.append(own)
        if own != HEALTHY:
            problems.append(f"status {body.get('status')!r}")
    for key, entry in _checks(body):
        if component is not None and key != component and not key.startswith(f"{component}:"):
            continue
        state = status_of(entry.get("status"))
        if state is None:
            continue
        found.append(state)
        if state != HEALTHY:
            said = str(entry.get("output") or f"status {entry.get('status')!r}")
            problems.append(said if component is not None else f"{key}: {said}")
    return DocumentVerdict(worst(iter(found)) if found else None, problems)


def _checks(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (component, entry) of a document: health+json lists, Spring's single objects."""
    for section in ("checks", "components"):
        table = body.get(section)
        for key, entries in table.items() if isinstance(table, dict) else ():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    yield str(key), entry


def check_health(env: Environment, timeout: float = 5.0, attempts: int = 2) -> HealthReport:
    """Run every check once against ``env`` (which must have a base_url)."""
    assert env.base_url, "check_health needs a reachable environment"
    from pytest_deploygate.session.http import platform_tls

    verify = platform_tls(env.platform)
    with httpx.Client(base_url=env.base_url, timeout=timeout, verify=verify) as client:
        fetch = _Fetcher(client, attempts)
        results = [
            _guard("database", lambda: _database(env, fetch, timeout)),
            _guard("api_endpoints", lambda: _api_endpoints(env, fetch)),
            _guard("external_services", lambda: _external_services(env, fetch)),
        ]
    report = HealthReport(env.name, results)
    _mask(report, env.masker())
    return report


def wait_for_health(
    env: Environment, wait_seconds: float, interval: float = 2.0, timeout: float = 5.0
) -> HealthReport:
    """Poll until healthy or until ``wait_seconds`` have passed; the last report."""
    deadline = time.monotonic() + wait_seconds
    while True:
        report = check_health(env, timeout=timeout)
        remaining = deadline - time.monotonic()
        if report.overall == HEALTHY or remaining <= 0:
            return report
        time.sleep(min(interval, remaining))


class _Fetcher:
    """GETs with bounded retries on transport errors; one fetch per URL per run."""

    def __init__(self, client: httpx.Client, attempts: int) -> None:
        self.client = client
        self.attempts = max(1, attempts)
        self.cache: dict[str, tuple[httpx.Response, float]] = {}

    def get(self, url: str) -> tuple[httpx.Response, float]:
        if url not in self.cache:
            for attempt in range(self.attempts):
                started = time.perf_counter()
                try:
                    response = self.client.get(url)
                    break
                except httpx.TransportError:
                    if attempt + 1 == self.attempts:
                        raise
                    time.sleep(0.2)
            self.cache[url] = (response, (time.perf_counter() - started) * 1000)
        return self.cache[url]

    def component(self, url: str, name: str) -> Probe | None:
        """The platform's own view of a component, from a health+json ``checks`` entry."""
        response, ms = self.get(url)
        verdict = read_document(_json(response), name)
        if verdict.status is None:
            return None
        return Probe(f"{name} (platform)", verdict.status, ms, "; ".join(verdict.problems))


def _guard(service: str, check: Callable[[], list[Probe]]) -> CheckResult:
    """A check that raises is unhealthy with the error, like the seed's runAllChecks."""
    try:
        return CheckResult(service, check())
    except Exception as exc:  # noqa: BLE001 - any failure to check is a finding
        return CheckResult(service, [Probe(service, UNHEALTHY, 0, f"{type(exc).__name__}: {exc}")])


def _database(env: Environment, fetch: _Fetcher, timeout: float) -> list[Probe]:
    probes = []
    if env.database_url:
        probes.append(_query(env, env.database_url, timeout))
    try:
        platform = fetch.component(env.platform.endpoint("health"), "database")
    except httpx.TransportError as exc:
        platform = Probe("database (platform)", UNHEALTHY, 0, f"{type(exc).__name__}: {exc}")
    if platform is not None:
        probes.append(platform)
    return probes or [Probe("database", DEGRADED, 0, "no database.url and no health check")]


def _query(env: Environment, url: str, timeout: float) -> Probe:
    # The database suite's read-only ping: a missing SQLite file is unreachable, not created
    # (a plain engine would create it and report a down database as healthy). Imported here:
    # SQLAlchemy is heavy and only environments with a database.url need it.
    from pytest_deploygate.database import DatabaseUnreachable, connect, create_engine

    engine = create_engine(url, connect_timeout=max(1, round(timeout)))
    try:
        ms = connect(engine, env)
    except DatabaseUnreachable as exc:
        return Probe("database (query)", UNHEALTHY, 0, str(exc))
    finally:
        engine.dispose()
    status = HEALTHY if ms < SLOW_DATABASE_MS else DEGRADED
    return Probe("database (query)", status, ms, "" if status == HEALTHY else "slow query")


def _api_endpoints(env: Environment, fetch: _Fetcher) -> list[Probe]:
    probes = []
    for name in API_ENDPOINTS:
        path = env.platform.endpoint(name)
        try:
            response, ms = fetch.get(path)
        except httpx.TransportError as exc:
            probes.append(Probe(path, UNHEALTHY, 0, f"{type(exc).__name__}: {exc}"))
            continue
        probes.append(_judged(path, response, ms, read_document(_json(response))))
    return probes


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _judged(name: str, response: httpx.Response, ms: float, verdict: DocumentVerdict) -> Probe:
    """The worse of the HTTP code and what the document says of itself, with both named."""
    http = HEALTHY if response.is_success else UNHEALTHY
    status = worst(iter([http, verdict.status or HEALTHY]))
    said = ", ".join(verdict.problems)
    if not response.is_success:
        output = f"HTTP {response.status_code}" + (f" ({said})" if said else "")
    else:
        output = f"HTTP {response.status_code} but the document says {said}" if said else ""
    return Probe(name, status, ms, output)


def _external_services(env: Environment, fetch: _Fetcher) -> list[Probe]:
    probes = []
    # A service of a feature the platform declares absent ([platform.features]) is not expected.
    absent = {FEATURE_COMPONENTS.get(f) for f in env.platform.features.absent}
    expected = set(EXTERNAL_SERVICES) - absent
    for name in sorted(expected | set(env.services)):
        url = env.services.get(name)
        if not url:
            probes.append(Probe(name, DEGRADED, 0, "health URL not configured"))
            continue
        try:
            probes.append(fetch.component(url, name) or _plain(name, *fetch.get(url)))
        except httpx.TransportError as exc:
            probes.append(Probe(name, UNHEALTHY, 0, f"{type(exc).__name__}: {exc}"))
    return probes


def _plain(name: str, response: httpx.Response, ms: float) -> Probe:
    return _judged(name, response, ms, read_document(_json(response)))


def _mask(report: HealthReport, masker: Masker) -> None:
    for result in report.results:
        for probe in result.probes:
            probe.name, probe.output = masker(probe.name), masker(probe.output)
