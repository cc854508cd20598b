"""Boots the reference platform in-process for ``--env=local`` (uvicorn in a daemon thread)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass
class LocalPlatform:
    """A running reference platform: its URL, its temporary database, and how to stop it."""

    url: str
    database_url: str
    jwt_secret: str  # a secret: lets the security suite sign an expired token
    server: Any
    workdir: Path
    #: The throwaway CA the platform's certificate is signed by (launched with tls = true).
    ca_bundle: str | None = None

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def boot(
    database_url: str | None = None, profile: str | None = None, tls: bool = False
) -> LocalPlatform:
    """Start the platform on a free loopback port with a temporary SQLite database.

    ``REFERENCE_APP_FAULTS`` and the other ``REFERENCE_APP_*`` variables are honoured, so the
    same run can prove a suite goes red. ``profile`` (``launch_options.profile``) picks the
    platform's shape over ``REFERENCE_APP_PROFILE``. ``tls`` (``launch_options.tls``) serves
    https with a throwaway CA made in the temporary folder, whose file is ``ca_bundle``.
    Raises RuntimeError with one line on any start-up error.
    """
    from pytest_deploygate.extras import install_hint, missing

    absent = missing("reference")
    if absent:
        raise RuntimeError(
            f"--env=local boots the reference platform, which needs the reference extra "
            f"({', '.join(absent)} not installed): {install_hint('reference')}"
        )
    workdir = Path(tempfile.mkdtemp(prefix="deploygate-local-"))
    url = database_url or f"sqlite:///{workdir / 'reference.db'}"
    try:
        from pytest_deploygate.reference import LiveServer, Settings, create_app
        from pytest_deploygate.reference.tls import local_tls

        settings = replace(Settings.from_env(), database_url=url)
        if profile is not None:
            settings = replace(settings, profile=profile)
        files = local_tls(workdir) if tls else None
        server = LiveServer(
            create_app(settings),
            port=0,
            certfile=None if files is None else files.certfile,
            keyfile=None if files is None else files.keyfile,
        ).start()
    except Exception as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"the reference platform (--env=local) did not start: {exc}") from exc
    return LocalPlatform(
        url=server.url,
        database_url=url,
        jwt_secret=settings.jwt_secret,
        server=server,
        workdir=workdir,
        ca_bundle=None if files is None else str(files.ca_bundle),
    )
