"""LiveServer: the platform served by uvicorn in a daemon thread, for tests and --env=local."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn


class LiveServer:
    """Serve an ASGI app on loopback; start() blocks until it accepts connections.

    With ``certfile`` and ``keyfile`` (PEM; ``reference.tls.local_tls`` makes a throwaway pair)
    it serves https instead of http.
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
    ) -> None:
        if (certfile is None) != (keyfile is None):
            raise ValueError("LiveServer serves https with both certfile and keyfile, or neither")
        self.app = app
        self.host = host
        self.port = port
        self.certfile = certfile
        self.keyfile = keyfile
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LiveServer.url is only known after start()")
        scheme = "https" if self.certfile is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        # Bind in the caller's thread so "port in use" surfaces here and port 0 resolves now.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise OSError(
                f"cannot serve the reference platform on {self.host}:{self.port}: {exc.strerror}"
            ) from exc
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            server_header=False,
            date_header=True,
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=2,
            ssl_certfile=None if self.certfile is None else str(self.certfile),
            ssl_keyfile=None if self.keyfile is None else str(self.keyfile),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name=f"reference-app:{self.port}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise TimeoutError(f"reference platform did not start within {timeout:.0f} s")
        if self._error is not None:
            error = self._error
            self.stop()
            raise error
        return self

    def _run(self, sock: socket.socket) -> None:
        assert self._server is not None
        server = self._server

        async def serve_to_the_end() -> None:
            try:
                await server.serve(sockets=[sock])
            except SystemExit as exc:
                # uvicorn's start-up failure. Kept here, not left in the task: an exception
                # nobody retrieves is logged with its traceback whenever the task is garbage
                # collected, which on CPython 3.11 can be inside another thread's compile()
                # and break it ("AST constructor recursion depth mismatch").
                self._error = self._error or _startup_error(self.app, exc)

        async def serve() -> None:
            task = asyncio.create_task(serve_to_the_end())
            while not server.started and not task.done():
                await asyncio.sleep(0.01)
            if not server.started:
                # uvicorn swallows lifespan start-up failures into SystemExit; keep the cause.
                self._error = self._error or _startup_error(self.app)
            self._ready.set()
            await task

        try:
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(serve())
        except BaseException as exc:  # handed back to the caller of start()
            if self._error is None:
                self._error = _startup_error(self.app, exc)
        finally:
            sock.close()
            self._ready.set()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    # The stock asyncio loop in a side thread answers in ~45 ms per request here (the client
    # shares the process); uvloop answers in under 1 ms. Fall back when it is not installed.
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _startup_error(app: Any, exc: BaseException | None = None) -> BaseException:
    recorded = getattr(getattr(app, "state", None), "startup_error", None)
    if isinstance(recorded, BaseException):
        return recorded
    if exc is not None and not isinstance(exc, SystemExit):
        return exc
    return RuntimeError("the reference platform failed to start; see the log above")
