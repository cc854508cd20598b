"""environments.toml → DeploygateConfig: read, validate every table, resolve one environment.

The only module that parses the file. Everything is checked up front (the schema, the gate
tables, the load model, the platform contract, the alert rules), so a mistake anywhere is one
``DeployGateConfigError`` line naming the file, the table, the key and the fix, before any test.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pytest_deploygate.config import schema
from pytest_deploygate.config.contract import ContractError, with_paths
from pytest_deploygate.config.interpolate import interpolate, variables_in
from pytest_deploygate.config.model import (
    Credential,
    DatabaseSettings,
    DeploygateConfig,
    DeployGateConfigError,
    Environment,
    MetricsExport,
    Platform,
    Preflight,
)
from pytest_deploygate.masking import url_password

if TYPE_CHECKING:
    from pytest_deploygate.deploy.settings import DeploySettings

#: Values of ``launch``: the embedded reference platform (``reference_app`` is the 0.1 name).
LAUNCHERS = ("reference", "reference_app")
#: ``launch_options.profile``: the reference platform's shapes (reference/settings.py PROFILES).
LAUNCH_PROFILES = ("seed", "session")


def read_document(path: Path) -> dict[str, Any]:
    """The parsed, schema-checked file (no interpolation yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeployGateConfigError(
            f"{path}: environments file not found; create it (deploygate init writes a starter) "
            "or pass --environments-file PATH"
        ) from None
    except OSError as exc:
        raise DeployGateConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeployGateConfigError(
            f"{path.name}: not valid TOML: {exc}; fix the syntax on that line"
        ) from None
    problem = schema.validate(document, schema.FILE)
    if problem is not None:
        where = f"[{problem.table}] " if problem.table else ""
        raise DeployGateConfigError(f"{path.name}: {where}{problem.key}: {problem.message}")
    return document


def load_config(
    path: Path,
    name: str,
    environ: Mapping[str, str] = os.environ,
    *,
    alerts_path: Path | None = None,
    document: Mapping[str, Any] | None = None,
) -> DeploygateConfig:
    """Read ``path``, validate all of it, and resolve the environment called ``name``.

    ``alerts_path`` reads the ``[alerts]`` table from another file (``--alerts-file``);
    ``document`` is the file as ``read_document`` returned it, when the caller has it already.
    """
    if document is None:
        document = read_document(path)
    environment = _resolve(document, path, name, environ)
    alerts_source = path if alerts_path is None else alerts_path
    alerts_table = document.get("alerts") if alerts_path is None else _alerts_of(alerts_path)
    from pytest_deploygate.alerting.config import parse_alerts
    from pytest_deploygate.alerting.rules import AlertConfigError

    try:
        alerts = parse_alerts(alerts_table, source=alerts_source.name)
    except AlertConfigError as exc:
        raise DeployGateConfigError(str(exc)) from None
    return DeploygateConfig(
        source=path,
        environment=environment,
        environment_names=tuple(document.get("environments", {})),
        alerts=alerts,
    )


def load_environment(path: Path, name: str, environ: Mapping[str, str] = os.environ) -> Environment:
    """Just the environment ``name`` of ``path`` (every table is still validated)."""
    return load_config(path, name, environ).environment


def referenced_variables(path: Path, name: str) -> tuple[str, ...]:
    """Every ${VAR} the environment ``name`` needs (for ``deploygate check-env``)."""
    document = read_document(path)
    _known(document, path, name)
    used = variables_in(document["environments"][name]) + variables_in(document.get("platform", {}))
    return tuple(sorted(set(used)))


def _known(document: Mapping[str, Any], path: Path, name: str) -> None:
    environments = document.get("environments", {})
    if name in environments:
        return
    known = ", ".join(environments) or "none"
    close = difflib.get_close_matches(name, list(environments), n=1)
    fix = f"did you mean {close[0]!r}?" if close else "pick a known one"
    raise DeployGateConfigError(
        f"{path.name}: unknown environment {name!r} (--env); known environments: {known}; "
        f"{fix} (or add [environments.{name}])"
    )


def _resolve(
    document: Mapping[str, Any], path: Path, name: str, environ: Mapping[str, str]
) -> Environment:
    _known(document, path, name)
    table = f"environments.{name}"

    def missing(variable: str, where: str) -> DeployGateConfigError:
        section, _, key = where.rpartition(".")
        return DeployGateConfigError(
            f"{path.name}: [{section}] {key} uses ${{{variable}}}, which is not set (or is "
            f"empty); export {variable} (deploygate check-env lists every variable needed)"
        )

    raw = document["environments"][name]
    secrets: set[str] = set()
    resolved = interpolate(raw, environ, missing, secrets, table)
    platform_base = interpolate(document.get("platform", {}), environ, missing, secrets, "platform")
    deploy_base = interpolate(document.get("deploy", {}), environ, missing, secrets, "deploy")
    deploy = _deploy(deploy_base, resolved.get("deploy", {}), path, table)
    variables = _variables_by_key(raw, table) | _variables_by_key(
        document.get("platform", {}), "platform"
    )
    if "base_url" not in resolved and "launch" not in resolved:
        raise DeployGateConfigError(
            f'{path.name}: [{table}] needs base_url (where it is) or launch = "reference"'
        )
    launch = resolved.get("launch")
    if launch is not None and launch not in LAUNCHERS:
        raise DeployGateConfigError(
            f"{path.name}: [{table}] launch = {launch!r} is not known; use one of: "
            + ", ".join(LAUNCHERS)
        )
    profile = resolved.get("launch_options", {}).get("profile")
    if profile is not None and profile not in LAUNCH_PROFILES:
        raise DeployGateConfigError(
            f"{path.name}: [{table}] launch_options.profile = {profile!r} is not known; use one "
            "of: " + ", ".join(LAUNCH_PROFILES)
        )
    tls = resolved.get("launch_options", {}).get("tls", False)
    if tls and launch is None:
        raise DeployGateConfigError(
            f'{path.name}: [{table}] launch_options.tls = true needs launch = "reference" '
            "(a platform at base_url has its own certificate: name its CA with ca_bundle)"
        )
    credentials = {
        role: Credential(c.get("username", ""), c.get("password", ""))
        for role, c in resolved.get("credentials", {}).items()
    }
    # Passwords are secrets even when written literally; a username only when interpolated
    # (a literal one is already public in the file, and masking "cust" would garble "customer").
    secrets.update(credential.password for credential in credentials.values())
    database_url = resolved.get("database", {}).get("url")
    database = _database(resolved.get("database", {}), path, table)
    for url in (database_url, database.scratch_url):
        if url and (password := url_password(url)):
            secrets.add(password)
    platform = _platform(platform_base, resolved.get("platform", {}), path, table)
    return Environment(
        name=name,
        source=path,
        platform=platform,
        sensitive=resolved.get("sensitive", False),
        base_url=_strip_slash(resolved.get("base_url")),
        launch=launch,
        launch_profile=profile,
        launch_tls=tls,
        description=resolved.get("description", ""),
        database_url=database_url,
        credentials=MappingProxyType(credentials),
        services=MappingProxyType(dict(resolved.get("services", {}))),
        gates=MappingProxyType(_gates(document, resolved, path, table)),
        load=_load(resolved.get("load", {}), path, table),
        preflight=_preflight(resolved.get("preflight", {}), platform.endpoints),
        database=database,
        metrics=_metrics(document, resolved, environ, missing, secrets),
        deploy=deploy,
        secrets=frozenset(s for s in secrets if s),
        variables_by_key=MappingProxyType(variables),
    )


def _variables_by_key(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if isinstance(value, Mapping):
        found: dict[str, tuple[str, ...]] = {}
        for key, item in value.items():
            found |= _variables_by_key(item, f"{where}.{key}")
        return found
    names = tuple(variables_in(value))
    return {where: names} if names else {}


def _platform(
    base: Mapping[str, Any], override: Mapping[str, Any], path: Path, table: str
) -> Platform:
    try:
        platform = Platform.from_tables(base, override)
    except ContractError as exc:
        where = f" (with [{table}.platform])" if override else ""
        raise DeployGateConfigError(f"{path.name}: {exc}{where}") from None
    if platform.ca_bundle is None:
        return platform
    where = f"[{table}.platform]" if "ca_bundle" in override else "[platform]"
    return replace(platform, ca_bundle=_ca_bundle(platform.ca_bundle, path, where))


def _ca_bundle(value: str, path: Path, where: str) -> str:
    """``ca_bundle`` as an absolute path (relative ones are relative to the environments file),
    checked now: a missing or unreadable CA file is one line naming the key, before any test."""
    import ssl

    bundle = (path.parent / Path(value).expanduser()).resolve()
    problem = ""
    if not bundle.is_file():
        problem = f"no such file ({bundle})"
    else:
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=bundle)
        except (ssl.SSLError, OSError) as exc:
            problem = f"not a PEM CA certificate ({bundle}: {exc.args[-1]})"
    if problem:
        raise DeployGateConfigError(
            f"{path.name}: {where} ca_bundle = {value!r}: {problem}; point it at the PEM file of "
            f"the CA that signed the platform's certificate (relative to {path.name})"
        )
    return str(bundle)


def _gates(
    document: Mapping[str, Any], resolved: Mapping[str, Any], path: Path, table: str
) -> dict[str, str]:
    from pytest_deploygate.gates.expressions import GateConfigError, parse_gate_table

    own = resolved.get("gates", {})
    try:  # each table under its own name, so the error points at the right one
        parse_gate_table(document.get("gates", {}), f"{path.name}: [gates]")
        parse_gate_table(own, f"{path.name}: [{table}.gates]")
    except GateConfigError as exc:
        raise DeployGateConfigError(str(exc)) from None
    return {**document.get("gates", {}), **own}


def _load(values: Mapping[str, Any], path: Path, table: str) -> Any:
    from pytest_deploygate.load.config import LoadConfigError, LoadSettings

    try:
        return LoadSettings.from_mapping(values, f"{path.name}: [{table}.load]")
    except LoadConfigError as exc:
        raise DeployGateConfigError(str(exc)) from None


def _deploy(
    base: Mapping[str, Any], own: Mapping[str, Any], path: Path, table: str
) -> DeploySettings:
    from pytest_deploygate.deploy.settings import DeployConfigError, DeploySettings

    try:  # [deploy] on its own first, so that the error points at the right table
        DeploySettings.from_mapping(base, f"{path.name}: [deploy]")
        return DeploySettings.from_mapping({**base, **own}, f"{path.name}: [{table}.deploy]")
    except DeployConfigError as exc:
        raise DeployGateConfigError(str(exc)) from None


def _preflight(values: Mapping[str, Any], endpoints: Mapping[str, str]) -> Preflight:
    raw = {**with_paths(schema.defaults(schema.PREFLIGHT), endpoints), **values}
    return Preflight(
        path=str(raw["path"]),
        timeout_seconds=float(raw["timeout_seconds"]),
        attempts=int(raw["attempts"]),
    )


def _database(values: Mapping[str, Any], path: Path, table: str) -> DatabaseSettings:
    raw = {**schema.defaults(schema.DATABASE_RELEASE), **values}
    for key, least in (
        ("max_transaction_seconds", 0),
        ("lock_timeout_seconds", None),
        ("command_timeout_seconds", None),
    ):
        if raw[key] < 0 or (least is None and raw[key] == 0):
            bound = "0 or more" if least == 0 else "more than 0"
            raise DeployGateConfigError(
                f"{path.name}: [{table}] database.{key}: must be {bound}, not {raw[key]!r}"
            )
    return DatabaseSettings(
        backup_dir=str(raw["backup_dir"]),
        migrations_dir=str(raw["migrations_dir"]),
        scratch_url=raw.get("scratch_url"),
        max_transaction_seconds=float(raw["max_transaction_seconds"]),
        lock_timeout_seconds=float(raw["lock_timeout_seconds"]),
        command_timeout_seconds=float(raw["command_timeout_seconds"]),
    )


def _metrics(
    document: Mapping[str, Any],
    resolved: Mapping[str, Any],
    environ: Mapping[str, str],
    missing: Any,
    secrets: set[str],
) -> MetricsExport:
    top = interpolate(document.get("metrics", {}), environ, missing, secrets, "metrics")
    raw = {**schema.defaults(schema.METRICS), **top, **resolved.get("metrics", {})}
    return MetricsExport(
        textfile=str(raw.get("textfile", "")),
        pushgateway=str(raw.get("pushgateway", "")).rstrip("/"),
        job=str(raw["job"]),
        timeout_seconds=float(raw["timeout_seconds"]),
    )


def _alerts_of(path: Path) -> Mapping[str, Any] | None:
    """The ``[alerts]`` table of a separate alerts file (``--alerts-file``)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployGateConfigError(f"{path}: alerts file not found (--alerts-file)") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeployGateConfigError(f"{path.name}: not valid TOML: {exc}") from None
    problem = schema.validate({"alerts": document.get("alerts", {})}, {"alerts": schema.ALERTS})
    if problem is not None:
        raise DeployGateConfigError(
            f"{path.name}: [{problem.table}] {problem.key}: {problem.message}"
        )
    table = document.get("alerts")
    return table if isinstance(table, Mapping) else None


def _strip_slash(url: str | None) -> str | None:
    return url.rstrip("/") if url else url
