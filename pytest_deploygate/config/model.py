"""The typed configuration every part receives: an Environment, its Platform contract, and the
whole file's DeploygateConfig. Built by ``config.loader``; nothing else reads the TOML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pytest_deploygate.config import schema
from pytest_deploygate.config.contract import (
    ApiContract,
    DatabaseContract,
    SecurityContract,
    api_contract,
    database_contract,
    security_contract,
)
from pytest_deploygate.config.header_rules import PROFILES, header_rules
from pytest_deploygate.config.shape import (
    AuthContract,
    ErrorShape,
    Features,
    HealthContract,
    RequestShape,
    auth_contract,
    error_shape,
    features_of,
    health_contract,
    request_shape,
)
from pytest_deploygate.load.config import LoadSettings
from pytest_deploygate.masking import Masker

if TYPE_CHECKING:
    from pytest_deploygate.alerting.config import AlertsConfig
    from pytest_deploygate.deploy.settings import DeploySettings


def _deploy_defaults() -> DeploySettings:
    # Imported when first needed: deploy/ builds on config/, not the other way round.
    from pytest_deploygate.deploy.settings import DeploySettings

    return DeploySettings()


class DeployGateConfigError(Exception):
    """A problem with environments.toml or the options selecting from it; one line, with the fix."""


@dataclass(frozen=True)
class Credential:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Preflight:
    """The reachability check before the first test (``[environments.X.preflight]``)."""

    path: str = "/api/health"
    timeout_seconds: float = 3.0
    attempts: int = 3


@dataclass(frozen=True)
class DatabaseSettings:
    """``[environments.X.database]`` beside url: where ``deploygate db`` keeps backups and
    finds migrations (relative to the environments file), and its time limits."""

    backup_dir: str = "backups"
    migrations_dir: str = "migrations"
    scratch_url: str | None = field(default=None, repr=False)
    max_transaction_seconds: float = 60.0
    lock_timeout_seconds: float = 30.0
    command_timeout_seconds: float = 3600.0


@dataclass(frozen=True)
class MetricsExport:
    """``[metrics]`` (with ``[environments.X.metrics]`` over it): where run results go for the
    team's monitoring; nothing is published when neither target is set."""

    textfile: str = ""
    pushgateway: str = field(default="", repr=False)
    job: str = "deploygate"
    timeout_seconds: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.textfile or self.pushgateway)


@dataclass(frozen=True)
class Platform:
    """The contract the suites check: endpoints, data-testid selectors, headers, cards, and the
    api/security/database contracts, each with the seed's defaults under what the file says."""

    endpoints: Mapping[str, str]
    selectors: Mapping[str, str]
    headers: Mapping[str, str]
    test_cards: Mapping[str, str]
    api: ApiContract
    security: SecurityContract
    database: DatabaseContract
    features: Features = field(default_factory=lambda: features_of({}))
    auth: AuthContract = field(default_factory=lambda: auth_contract({}, schema.ENDPOINTS))
    health: HealthContract = field(default_factory=lambda: health_contract({}, features_of({})))
    requests: RequestShape = field(default_factory=lambda: request_shape({}))
    errors: ErrorShape = field(default_factory=ErrorShape)
    header_profile: str = "seed"
    #: ``[platform] ca_bundle``: the CA file the platform's clients trust beside the public
    #: roots; the loader makes it an absolute path and checks it, None: the public roots only.
    ca_bundle: str | None = None

    @classmethod
    def from_tables(
        cls, base: Mapping[str, Any], override: Mapping[str, Any] | None = None
    ) -> Platform:
        """``[platform]`` with an environment's ``[environments.X.platform]`` over it, each
        section merged key by key over the schema's defaults. Raises ContractError."""
        override = override or {}

        def merged(section: str) -> dict[str, Any]:
            spec = schema.PLATFORM[section]
            default = spec.default if isinstance(spec, schema.Key) else None
            return {**(default or {}), **base.get(section, {}), **override.get(section, {})}

        def own(section: str) -> dict[str, Any]:
            return {**base.get(section, {}), **override.get(section, {})}

        endpoints = merged("endpoints")
        features = features_of(own("features"))
        profile = str(override.get("header_profile", base.get("header_profile", "seed")))
        # An environment that picks its own profile starts from that profile's values, not
        # from the file's headers (written for the file's profile); its own headers adjust them.
        file_headers = {} if "header_profile" in override else base.get("headers", {})
        headers = {**PROFILES.get(profile, {}), **file_headers, **override.get("headers", {})}
        header_rules(profile, headers)  # a bad rule or profile fails the load, naming the key
        return cls(
            endpoints=MappingProxyType(endpoints),
            selectors=MappingProxyType(merged("selectors")),
            headers=MappingProxyType(headers),
            test_cards=MappingProxyType(merged("test_cards")),
            api=api_contract(merged("api"), endpoints),
            security=security_contract(
                merged("security"),
                merged("rate_limit"),
                headers,
                endpoints,
                features.absent_paths(endpoints),
            ),
            database=database_contract(merged("database")),
            features=features,
            auth=auth_contract(own("auth"), endpoints),
            health=health_contract(own("health"), features),
            requests=request_shape(own("requests")),
            errors=error_shape(own("errors")),
            header_profile=profile,
            ca_bundle=override.get("ca_bundle", base.get("ca_bundle")),
        )

    def has(self, feature: str) -> bool:
        """Whether the platform has a feature of ``[platform.features]``."""
        return self.features.has(feature)

    def endpoint(self, name: str) -> str:
        try:
            return self.endpoints[name]
        except KeyError:
            raise KeyError(
                f"the platform has no endpoint {name!r}; add it to [platform.endpoints]"
            ) from None

    def selector(self, name: str) -> str:
        """A CSS selector for a data-testid name (``selector("service-card")``)."""
        return self.selectors.get(name, f'[data-testid="{name}"]')

    def card(self, kind: str) -> str:
        """A test card number (``card("success")``), spaces removed."""
        try:
            return self.test_cards[kind].replace(" ", "")
        except KeyError:
            raise KeyError(
                f"the platform has no test card {kind!r}; add it to [platform.test_cards]"
            ) from None


@dataclass(frozen=True)
class Environment:
    """One resolved environment: where it is, how sensitive, its credentials, its gates."""

    name: str
    source: Path
    sensitive: bool = False
    base_url: str | None = None
    launch: str | None = None
    #: The launched reference platform's shape (``launch_options.profile``); None: its default.
    launch_profile: str | None = None
    #: ``launch_options.tls``: the launched reference platform serves https with a throwaway CA.
    launch_tls: bool = False
    description: str = ""
    database_url: str | None = field(default=None, repr=False)
    credentials: Mapping[str, Credential] = field(default_factory=dict, repr=False)
    services: Mapping[str, str] = field(default_factory=dict, repr=False)
    gates: Mapping[str, str] = field(default_factory=dict)
    load: LoadSettings = field(default_factory=LoadSettings)
    preflight: Preflight = field(default_factory=Preflight)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    metrics: MetricsExport = field(default_factory=MetricsExport)
    deploy: DeploySettings = field(default_factory=lambda: _deploy_defaults())
    platform: Platform = field(default_factory=lambda: Platform.from_tables({}))
    secrets: frozenset[str] = field(default_factory=frozenset, repr=False)
    #: Every ``${VAR}`` the environment uses, by the dotted key that uses it.
    variables_by_key: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.launch is not None

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(sorted({v for names in self.variables_by_key.values() for v in names}))

    def variables_of(self, key: str) -> tuple[str, ...]:
        """The variables a key uses (``variables_of("database.url")``)."""
        return self.variables_by_key.get(f"environments.{self.name}.{key}", ())

    def masker(self) -> Masker:
        return Masker(self.secrets)

    def with_endpoint(
        self, base_url: str, database_url: str | None = None, ca_bundle: str | None = None
    ) -> Environment:
        """The same environment once it is reachable at ``base_url`` (after --env=local boots);
        ``ca_bundle``: the CA its certificate is signed by (a launch with tls = true)."""
        platform = self.platform
        if ca_bundle is not None:
            platform = replace(platform, ca_bundle=ca_bundle)
        return replace(
            self,
            base_url=base_url,
            database_url=database_url or self.database_url,
            platform=platform,
        )

    def summary(self) -> dict[str, str]:
        """Masked key facts for report headers and metadata."""
        masker = self.masker()
        facts = {
            "Deploygate environment": self.name + (" (sensitive)" if self.sensitive else ""),
            "Deploygate base URL": masker(self.base_url or f"launched: {self.launch}"),
        }
        if self.database_url:
            facts["Deploygate database"] = masker(self.database_url)
        if self.credentials:
            facts["Deploygate credentials"] = ", ".join(sorted(self.credentials)) + " (masked)"
        return facts


@dataclass(frozen=True)
class DeploygateConfig:
    """environments.toml, read and validated once: the selected environment resolved, the
    names of the others, and the file-wide tables (alerts)."""

    source: Path
    environment: Environment
    environment_names: tuple[str, ...]
    alerts: AlertsConfig
