"""Fixtures for the reference platform's own tests: real uvicorn servers on loopback."""

from __future__ import annotations

import os
import ssl
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from refapp_support import JWT_SECRET, Platform, StartPlatform

from pytest_deploygate.reference import LiveServer, Settings, create_app
from pytest_deploygate.reference.tls import local_tls


@pytest.fixture(scope="session")
def start_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartPlatform]:
    """Start a platform with some settings changed; every one is stopped at session end.
    ``tls=True`` serves it over https with a throwaway CA its client trusts."""
    running: list[Platform] = []

    def start(tls: bool = False, **changes: Any) -> Platform:
        if "database_url" not in changes:
            path: Path = tmp_path_factory.mktemp("db") / "reference_app.db"
            changes["database_url"] = f"sqlite:///{path}"
        settings = Settings(jwt_secret=JWT_SECRET, **changes)
        files: dict[str, Path] = {}
        verify: ssl.SSLContext | bool = True
        if tls:
            made = local_tls(tmp_path_factory.mktemp("tls"))
            files = {"certfile": made.certfile, "keyfile": made.keyfile}
            verify = ssl.create_default_context(cafile=made.ca_bundle)
        server = LiveServer(create_app(settings), **files).start()
        client = httpx.Client(base_url=server.url, timeout=30, verify=verify)
        platform = Platform(server, settings, client)
        running.append(platform)
        return platform

    yield start
    for platform in running:
        platform.client.close()
    # Stopping waits for uvicorn's shutdown tick; do it for all servers at once.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda p: p.server.stop(), running))


@pytest.fixture(scope="session")
def platform(start_platform: StartPlatform) -> Platform:
    """The clean platform, shared by every test that does not switch a fault on."""
    return start_platform()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema in DEPLOYGATE_TEST_POSTGRES_URL, dropped afterwards (skip when unset)."""
    url = os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DEPLOYGATE_TEST_POSTGRES_URL is not set")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )
    schema = f"reference_app_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
