"""The instrumented httpx client: every request's latency and status go to the gates."""

from __future__ import annotations

import functools
import ssl
import time
from typing import TYPE_CHECKING, Any

import httpx

from pytest_deploygate.masking import Masker
from pytest_deploygate.session.metrics import record_http

if TYPE_CHECKING:
    from pytest_deploygate.config import Platform


class InstrumentedClient(httpx.Client):
    """An ``httpx.Client`` that records each exchange and never shows a secret in its errors."""

    def __init__(
        self, *, masker: Masker | None = None, ca_bundle: str | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("timeout", 10.0)
        kwargs.setdefault("verify", tls_context(ca_bundle))
        super().__init__(**kwargs)
        self.masker = Masker() if masker is None else masker

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = super().send(request, **kwargs)
        except httpx.TransportError as exc:
            record_http(request.method, request.url.path, 0, _ms(started))
            raise type(exc)(self.masker(str(exc)), request=request) from None
        # Time to headers; a streamed body is the caller's business.
        record_http(request.method, request.url.path, response.status_code, _ms(started))
        return response

    def authorize(self, token: str) -> None:
        """Send ``token`` as a bearer credential from now on, and treat it as a secret."""
        self.masker.add(token)
        self.headers["Authorization"] = f"Bearer {token}"


def platform_tls(platform: Platform) -> ssl.SSLContext:
    """The TLS context for every client of ``platform`` (a ``config.Platform``): the public
    roots, and its ``[platform] ca_bundle`` when it names one. Pass it as httpx's ``verify``."""
    return tls_context(platform.ca_bundle)


@functools.cache
def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """One verifying TLS context per CA bundle, shared by every client: building one costs
    ~70 ms. ``ca_bundle`` (a PEM file) is trusted beside certifi's public roots, so a platform
    behind a private CA and the public services it links to both verify."""
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
