"""The markers deploygate defines: one per hosted suite (applied from the folder), the safety
markers, and the suites of users' own tests. A leaf module: everything may import it."""

from __future__ import annotations

SUITES = (
    "security",
    "api",
    "e2e",
    "accessibility",
    "performance",
    "load",
    "stress",
    "smoke",
    "health",
    "features",
    "database",
)

MARKERS: dict[str, str] = {
    **{suite: f"the {suite} suite (applied to suites/{suite}/ automatically)" for suite in SUITES},
    "load": "a load test (Locust); implies destructive, and on a sensitive environment also "
    "needs --allow-load",
    "stress": "a stress test (stepped load); implies destructive like load",
    "unit": "a unit test of your own",
    "integration": "an integration test of your own",
    "destructive": "creates data or puts load on the target; skipped on sensitive "
    "environments unless --allow-destructive",
    "environments(*names)": "run only on the named environments, e.g. environments('local')",
    "feature(name)": "needs a feature of [platform.features] (chat, payments, ai, openapi, "
    "mobile_menu, sms, email_verification); skipped naming the key when it is false",
    "requires(*parts)": "needs these parts configured (database, a service name, a credential "
    "role), else skipped with the reason",
}

LOAD_MARKERS = ("load", "stress")
