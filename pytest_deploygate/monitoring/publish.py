"""Where the exposition goes: a textfile for node_exporter's textfile collector (written
atomically, as the collector requires) and a Pushgateway group per job and environment.

Publishing never changes a run's result: a dead Pushgateway or an unwritable file is one
masked line in the summary, and the run goes on.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pytest_deploygate.config.model import MetricsExport


@dataclass
class PublishResult:
    """What was published where, and what failed (lines for the terminal summary)."""

    written: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def publish(
    exposition: str,
    settings: MetricsExport,
    environment: str,
    base_dir: Path,
    mask: Callable[[str], str] = str,
    source: str = "run",
) -> PublishResult:
    """Write the textfile and push to the Pushgateway, as configured.

    ``source`` (``run``, ``deploy``, ``health``) keeps each producer's samples apart: its own
    Pushgateway group, and its own textfile (``<name>-<source>.prom`` beside a run's ``<name>``),
    since a push or a textfile replaces everything that was there.
    """
    result = PublishResult()
    if settings.textfile:
        path = Path(settings.textfile)
        path = path if path.is_absolute() else base_dir / path
        if source != "run":
            path = path.with_name(f"{path.stem}-{source}{path.suffix}")
        try:
            write_textfile(path, exposition)
            result.written.append(f"wrote {path}")
        except OSError as exc:
            result.failed.append(f"could not write {path} ({exc.strerror}); fix [metrics] textfile")
    if settings.pushgateway:
        url = group_url(settings.pushgateway, settings.job, environment, source)
        problem = push(url, exposition, settings.timeout_seconds)
        if problem:
            result.failed.append(mask(f"push to {url} failed ({problem}); the run is unchanged"))
        else:
            result.written.append(mask(f"pushed to {url}"))
    return result


def write_textfile(path: Path, exposition: str) -> None:
    """Write atomically: the collector must never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(exposition)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def group_url(base: str, job: str, environment: str, source: str = "run") -> str:
    """The Pushgateway grouping key: one group per job, environment and source (latest wins)."""
    parts = "/".join(
        f"{key}/{quote(value, safe='')}"
        for key, value in (("job", job), ("environment", environment), ("source", source))
    )
    return f"{base.rstrip('/')}/metrics/{parts}"


def push(url: str, exposition: str, timeout: float) -> str:
    """PUT the group (replacing the previous run's samples); '' on success, else why not."""
    import httpx  # lazy: most runs push nothing

    try:
        response = httpx.put(
            url,
            content=exposition.encode("utf-8"),
            headers={"Content-Type": "text/plain; version=0.0.4"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status_code >= 300:
        return f"HTTP {response.status_code}: {response.text[:200].strip()}"
    return ""
