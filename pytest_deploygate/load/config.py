"""The traffic model of one environment (``[environments.X.load]``) and the parameters of one run.

The seed's model: a load test runs at 10x normal traffic, a stress test steps from 50 % to 200 %
of the expected peak in 10 % steps. ``normal_users``/``peak_users`` are per environment, so the
same test is light on ``local`` and real on ``staging``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

BOOKING_LOCUSTFILE = Path(__file__).with_name("locustfiles") / "booking.py"

#: Seconds Locust gets to import, fork workers and write its reports, on top of the run time.
STARTUP_GRACE_S = 30.0
#: Seconds a master waits for the workers of other machines before giving up.
WORKER_WAIT_S = 60
#: The environment variable that hands the signed-in customer's headers and cookies to Locust
#: (JSON, see ``LoadAuth``): never a command-line argument, which a process list would show.
AUTH_VARIABLE = "DEPLOYGATE_LOAD_AUTH"


class LoadConfigError(ValueError):
    """A ``[environments.X.load]`` value or a ``--load-*`` option that cannot be used."""


@dataclass(frozen=True)
class Endpoints:
    """The booking platform's API paths the locustfile drives (the ``[platform]`` contract)."""

    services: str = "/api/services"
    availability: str = "/api/availability/{serviceId}/{date}"
    bookings: str = "/api/bookings"
    cancel: str = "/api/bookings/{id}/cancel"


@dataclass(frozen=True)
class BookingShape:
    """How the platform wants a booking sent (``[platform.requests]``, ``[platform.auth]``):
    the body encoding ("json" or "form"), its names for the seed's flat field names
    (``customerDetails.email`` = ``email``), and where the CSRF token comes from and goes.
    Nothing secret: it travels as ``--dg-*`` arguments, which a master forwards to workers."""

    body: str = "json"
    fields: Mapping[str, str] = field(default_factory=dict)
    csrf_cookie: str = ""
    csrf_header: str = ""
    csrf_field: str = ""


@dataclass(frozen=True)
class LoadSettings:
    """One environment's traffic model; every duration is in seconds."""

    normal_users: int = 1
    peak_users: int = 5
    load_factor: float = 10.0
    users: int = 0  # the load test's users when set; 0 means normal_users x load_factor
    duration: float = 60.0
    ramp_up: float = 10.0
    think_time: tuple[float, float] = (1.0, 3.0)
    processes: int = 0
    workers: int = 0  # Locust workers on other machines to wait for (this run is the master)
    master_port: int = 5557
    stress_start: float = 0.5
    stress_stop: float = 2.0
    stress_step: float = 0.1
    stress_step_duration: float = 60.0
    stress_p95_ms: float = 200.0
    stress_error_rate: float = 0.1  # percent, like the load.error_rate gate

    @property
    def load_users(self) -> int:
        if self.users:
            return self.users
        return max(1, math.ceil(self.normal_users * self.load_factor))

    def stress_users(self) -> list[int]:
        """The user count of every stress step: start..stop of the peak, at least one user apart."""
        first = max(1, math.floor(self.peak_users * self.stress_start))
        last = max(first, math.floor(self.peak_users * self.stress_stop))
        step = max(1, round(self.peak_users * self.stress_step))
        users = list(range(first, last + 1, step))
        if users[-1] != last:
            users.append(last)
        return users

    def with_options(
        self,
        users: int | None = None,
        duration: float | None = None,
        ramp_up: float | None = None,
        processes: int | None = None,
        step_duration: float | None = None,
        workers: int | None = None,
    ) -> LoadSettings:
        """Apply the ``--load-*`` options; None leaves a value as configured."""
        changed = self
        if users is not None and users < 1:
            raise LoadConfigError(f"--load-users must be at least 1, got {users}")
        if users is not None:
            changed = replace(changed, users=users)
        if duration is not None:
            changed = replace(changed, duration=duration)
        if ramp_up is not None:
            changed = replace(changed, ramp_up=ramp_up)
        if processes is not None:
            changed = replace(changed, processes=processes)
        if step_duration is not None:
            changed = replace(changed, stress_step_duration=step_duration)
        if workers is not None:
            changed = replace(changed, workers=workers)
        _validate(changed, "command-line options")
        return changed

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str) -> LoadSettings:
        """Build from a TOML table; ``where`` names it in errors (file and table)."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise LoadConfigError(
                    f"{where}: unknown key {key!r}; valid keys: {', '.join(sorted(known))}"
                )
            kwargs[key] = _coerce(key, value, where)
        settings = cls(**kwargs)
        _validate(settings, where)
        return settings


def _spec(default: Any) -> type | tuple[type, ...]:
    if isinstance(default, tuple):
        return list
    return int if isinstance(default, int) else (int, float)


#: ``[environments.X.load]`` keys and their TOML types, for environments.toml's schema.
SCHEMA: dict[str, type | tuple[type, ...]] = {
    f.name: _spec(f.default) for f in fields(LoadSettings)
}


def _coerce(key: str, value: Any, where: str) -> Any:
    if key == "think_time":
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(_is_number(v) for v in value)
        ):
            return (float(value[0]), float(value[1]))
        raise LoadConfigError(
            f"{where}: think_time = {value!r} is not [min, max] seconds; write e.g. [1, 3]"
        )
    default = getattr(LoadSettings, key)
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise LoadConfigError(f"{where}: {key} = {value!r} is not a whole number; write e.g. 10")
    if _is_number(value):
        return float(value)
    raise LoadConfigError(f"{where}: {key} = {value!r} is not a number; write e.g. 30")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validate(settings: LoadSettings, where: str) -> None:
    positive = (
        "normal_users",
        "peak_users",
        "load_factor",
        "duration",
        "stress_step_duration",
        "stress_step",
        "stress_start",
        "stress_p95_ms",
    )
    for key in positive:
        if getattr(settings, key) <= 0:
            raise LoadConfigError(f"{where}: {key} must be above 0, got {getattr(settings, key)!r}")
    for key in ("users", "ramp_up", "processes", "workers", "stress_error_rate"):
        if getattr(settings, key) < 0:
            raise LoadConfigError(f"{where}: {key} must not be negative")
    if settings.workers and settings.processes:
        raise LoadConfigError(
            f"{where}: use processes (this machine) or workers (others), not both"
        )
    if not 0 < settings.master_port < 65536:
        raise LoadConfigError(
            f"{where}: master_port must be a TCP port, got {settings.master_port}"
        )
    if settings.stress_stop < settings.stress_start:
        raise LoadConfigError(f"{where}: stress_stop must not be below stress_start")
    low, high = settings.think_time
    if low < 0 or high < low:
        raise LoadConfigError(f"{where}: think_time must be [min, max] with 0 <= min <= max")


@dataclass(frozen=True)
class LoadRun:
    """The parameters of one bounded Locust run against one host."""

    host: str
    users: int
    duration: float
    ramp_up: float = 0.0
    think_time: tuple[float, float] = (1.0, 3.0)
    destructive: bool = False
    run_id: str = "local"
    endpoints: Endpoints = field(default_factory=Endpoints)
    shape: BookingShape = field(default_factory=BookingShape)
    processes: int = 0
    workers: int = 0
    master_port: int = 5557
    locustfile: Path = BOOKING_LOCUSTFILE
    stop_timeout: float = 5.0
    startup_grace: float = STARTUP_GRACE_S

    @property
    def run_seconds(self) -> int:
        # Locust's --run-time takes whole seconds; round up so a run is never shorter than asked.
        return max(1, math.ceil(self.duration))

    @property
    def spawn_rate(self) -> float:
        return self.users / self.ramp_up if self.ramp_up > 0 else float(self.users)

    @property
    def hard_timeout(self) -> float:
        """Wall-clock bound after which the Locust process group is killed."""
        waiting = WORKER_WAIT_S if self.workers else 0
        return self.run_seconds + self.stop_timeout + self.startup_grace + waiting


def load_run(
    settings: LoadSettings, host: str, *, users: int | None = None, **overrides: Any
) -> LoadRun:
    """The run a load test makes with ``settings`` (10x normal users unless ``users`` says)."""
    run = LoadRun(
        host=host,
        users=users if users is not None else settings.load_users,
        duration=settings.duration,
        ramp_up=settings.ramp_up,
        think_time=settings.think_time,
        processes=settings.processes,
        workers=settings.workers,
        master_port=settings.master_port,
    )
    return replace(run, **overrides)
