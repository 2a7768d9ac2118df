"""Running the app: `serve(settings)` (`rag serve`, `python app.py`, `make run`) in the
foreground, `BackgroundServer` in a thread (tests, notebooks, benchmarks).

Both run uvicorn with lifespan on: Gradio starts its queue in the app's lifespan, and without
it UI events are accepted but never processed. On shutdown, open Gradio heartbeat streams
(every browser tab keeps one) are ended first; otherwise uvicorn waits out its graceful
timeout and logs a cancelled-task traceback.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

from rag.core.config import Settings



def _server_class():
    import uvicorn

    class RagServer(uvicorn.Server):
        """uvicorn.Server that ends Gradio's streams before it stops."""

        loop: asyncio.AbstractEventLoop | None = None

        async def serve(self, sockets=None):
            self.loop = asyncio.get_running_loop()
            await super().serve(sockets=sockets)

        def end_streams(self) -> None:
            if self.loop is None:
                return
            for route in getattr(self.config.app, "routes", []):
                event = getattr(getattr(route, "app", None), "stop_event", None)
                if isinstance(event, asyncio.Event):  # the mounted Gradio app's
                    self.loop.call_soon_threadsafe(event.set)

        def handle_exit(self, sig, frame) -> None:  # Ctrl-C / SIGTERM
            self.end_streams()
            super().handle_exit(sig, frame)

    return RagServer


def _config(app: Any, **kwargs: Any):
    import uvicorn

    # A browser tab's keep-alive connection must not hold a stop for long.
    return uvicorn.Config(app, lifespan="on", timeout_graceful_shutdown=3, timeout_keep_alive=5, **kwargs)


def serve(settings: Settings) -> None:
    """Serve the API and the UI on `settings.ui.host:port` until Ctrl-C. Refuses (RagError)
    without an index, with a malformed UI login, or on a non-loopback address without keys."""
    from rag.api.app import create_app
    from rag.api.auth import check_exposure
    from rag.assistant import Assistant
    from rag.core.errors import ConfigError
    from rag.ui.server import check_index, parse_auth

    host, port = settings.ui.host, settings.ui.port
    check_exposure(host, settings.api.keys)
    if settings.ui.share:
        raise ConfigError("ui.share is not supported: the UI is served with the API on "
                          f"{host}:{port}. Publish that port instead (with RAG_API__KEYS and RAG_UI__AUTH).")
    check_index(settings)
    parse_auth(settings.ui.auth)  # a malformed login fails before anything starts
    # Off loopback there are keys (check_exposure), and with keys the UI has a login
    # (rag.api.auth.ui_login): no UI is exposed without one.
    app = create_app(Assistant.from_settings(settings))
    print(f"rag: UI at http://{host}:{port}/ · API at http://{host}:{port}/v1 and /api · docs at /docs",
          flush=True)
    _server_class()(_config(app, host=host, port=port, log_level="info")).run()


class BackgroundServer:
    """Serve an ASGI app from a thread on `host` (127.0.0.1 by default) and a free port:

        with BackgroundServer(create_app(assistant)) as server:
            httpx.get(server.url + "/v1/models")
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"):
        # Bind first: port 0 picks a free port, known before the server starts.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = _server_class()(_config(app, log_level=log_level))
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"rag-server-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self, timeout: float = 60.0) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:  # set after the lifespan startup and the bind
            if not self.thread.is_alive():
                raise RuntimeError("the server thread died during startup (see its log)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not start within {timeout:.0f} s")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self.server.end_streams()
        self.server.should_exit = True  # uvicorn's main loop looks every 0.1 s
        self.thread.join(timeout)
        if self.thread.is_alive():  # second chance: do not wait for open connections
            self.server.force_exit = True
            self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
