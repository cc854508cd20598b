"""A real HTTP server on loopback for the project's tests: any handler, in a daemon thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[..., BaseHTTPRequestHandler]


@contextlib.contextmanager
def serve(handler: Handler, **attributes: Any) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port; yields the base URL, stops cleanly after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a hanging request must not block shutdown
    for name, value in attributes.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
