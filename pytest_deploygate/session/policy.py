"""The safety policy: suite markers, sensitive/destructive refusals, environments()/requires(),
and the preflight reachability check."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from pytest_deploygate.config import Environment
from pytest_deploygate.markers import LOAD_MARKERS, SUITES


def talks_to_environment(item: pytest.Item) -> bool:
    """Whether running ``item`` needs the environment up (boot for local, else preflight).

    True for tests in a suite (by folder or marker) and tests using a deploygate fixture:
    every one depends on ``deploy_env``, so the fixture closure shows it. Not by fixture name
    alone: a project's own ``platform`` or ``api`` fixture must not boot anything.
    """
    markers = {marker.name for marker in item.iter_markers()}
    if "skip" in markers:
        return False
    return "deploy_env" in getattr(item, "fixturenames", ()) or not markers.isdisjoint(SUITES)


def suite_of(parts: Sequence[str]) -> str | None:
    """The suite a test file belongs to, from a path like ``.../suites/smoke/test_x.py``."""
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "suites" and parts[index + 1] in SUITES:
            return parts[index + 1]
    return None


def apply_markers(item: pytest.Item) -> None:
    """Folder → suite marker; load and stress imply destructive."""
    markers = {marker.name for marker in item.iter_markers()}
    suite = suite_of(item.path.parts)
    if suite is not None and suite not in markers:
        item.add_marker(suite)
    if not markers.isdisjoint(LOAD_MARKERS) and "destructive" not in markers:
        item.add_marker("destructive")


@dataclass(frozen=True)
class Decision:
    reason: str
    refused_by_policy: bool = False  # counted in the policy summary line


def decide(
    item: pytest.Item, env: Environment, allow_destructive: bool, allow_load: bool
) -> Decision | None:
    """Why ``item`` must not run on ``env``, or None when it may."""
    only = item.get_closest_marker("environments")
    if only is not None and env.name not in only.args:
        names = ", ".join(map(str, only.args))
        return Decision(f"runs only on {names}; this is {env.name}")
    for marker in item.iter_markers("feature"):
        for name in marker.args:
            if not env.platform.has(str(name)):
                return Decision(f"[platform.features] {name} = false: the platform has no {name}")
    requires = item.get_closest_marker("requires")
    for part in requires.args if requires is not None else ():
        missing = _missing(env, str(part))
        if missing:
            return Decision(missing)
    if env.sensitive and item.get_closest_marker("destructive"):
        if not allow_destructive:
            return Decision(
                f"destructive test refused on sensitive environment {env.name}; "
                "pass --allow-destructive to run it",
                refused_by_policy=True,
            )
        load = [m for m in LOAD_MARKERS if item.get_closest_marker(m)]
        if load and not allow_load:
            return Decision(
                f"{load[0]} test refused on sensitive environment {env.name}; "
                "pass --allow-load as well to run it",
                refused_by_policy=True,
            )
    return None


def _missing(env: Environment, part: str) -> str | None:
    where = f"[environments.{env.name}]"
    if part == "database":
        if env.database_url or env.is_local:
            return None
        return f"requires database: {env.name} has no database.url (add it to {where})"
    if part in env.services or part in env.credentials:
        return None
    # A prerequisite the platform declares it does not have at all ("payment" → payments).
    for feature in env.platform.features.absent:
        if feature in (part, f"{part}s"):
            return f"[platform.features] {feature} = false: the platform has no {feature}"
    return (
        f"requires {part}: not configured for {env.name} "
        f"(add services.{part} or credentials.{part} to {where})"
    )


def policy_line(env: Environment, skipped: int, allow_destructive: bool) -> str:
    """The line shown in the terminal summary and the report header."""
    if not env.sensitive:
        return f"{env.name} is not sensitive: destructive tests allowed"
    if allow_destructive:
        return f"{env.name} is sensitive: destructive tests allowed by --allow-destructive"
    return (
        f"policy skipped {skipped} destructive test{'s' if skipped != 1 else ''} on {env.name} "
        "(sensitive); pass --allow-destructive to run them"
    )


def preflight(env: Environment) -> str | None:
    """Check once that the environment answers HTTP; an error line, or None when reachable.

    Any HTTP answer counts (a 503 health is the suites' business); only no answer after the
    bounded attempts is "unreachable".
    """
    import httpx  # lazy: sessions that never reach an environment don't pay for it

    from pytest_deploygate.session.http import platform_tls

    assert env.base_url is not None
    url = env.base_url + env.preflight.path
    verify = platform_tls(env.platform)
    attempts = max(1, env.preflight.attempts)
    error = ""
    for attempt in range(attempts):
        try:
            httpx.get(url, timeout=env.preflight.timeout_seconds, verify=verify)
            return None
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):  # no retry: it will not trust it later
                return untrusted(env, url, str(exc))
        if attempt + 1 < attempts:
            time.sleep(0.5 * (attempt + 1))
    return (
        f"deploygate: environment {env.name} is unreachable: GET {url} failed {attempts} "
        f"time{'s' if attempts != 1 else ''} ({error}); check base_url in "
        f"[environments.{env.name}] and the network, or pass --no-preflight"
    )


def untrusted(env: Environment, url: str, error: str) -> str:
    """The line for a platform whose certificate the session's clients do not trust."""
    bundle = env.platform.ca_bundle
    trusted = f"the public roots and ca_bundle {bundle}" if bundle else "the public roots"
    return (
        f"deploygate: environment {env.name}: GET {url} failed, its TLS certificate is not "
        f"signed by a CA this session trusts ({trusted}): {error}; if a private CA signed it, "
        "set [platform] ca_bundle to that CA's PEM file"
    )
