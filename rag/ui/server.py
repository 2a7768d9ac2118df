"""`mount_ui(app, assistant)`: the chat UI on a FastAPI app; `rag serve` (rag/api/server.py)
runs it beside the HTTP API on one port.

Gradio may only serve files it created itself (uploads, temp files): `allowed_paths` stays
empty and the index, models and seeds directories are blocked outright.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from rag.assistant import Assistant
from rag.core.config import Settings
from rag.core.errors import ConfigError
from rag.index.local.versions import VersionStore


def parse_auth(value: str) -> tuple[str, str] | None:
    """"user:password" -> ("user", "password"); "" -> None (no login)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError('ui.auth must look like "user:password" (e.g. RAG_UI__AUTH=alice:s3cret).')
    return user, password


def check_index(settings: Settings) -> None:
    """Fail fast (IndexMissingError / IndexCorruptError) before starting a server for nothing."""
    VersionStore(settings.paths.index_dir).current_dir()


def mount_ui(app: Any, assistant: Assistant, *, path: str = "/",
             auth: str | Callable[[str, str], bool] | None = None) -> Any:
    """Mount the UI for `assistant` on the FastAPI `app` at `path`; returns `app`.

    Mount it after every API route: a mount at "/" matches every path, so a route added
    later is unreachable. `auth` ("user:password", or Gradio's `auth` callable such as
    `rag.api.auth.key_login`) defaults to `settings.ui.auth`; it guards the UI and every
    Gradio route that reads or changes data (uploads, files, the queue, the API), not the
    app's other routes. Gradio's queue runs up to `settings.ui.concurrency_limit` chats at once."""
    # No network beyond localhost here: skip Gradio's analytics/version pings.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from rag.ui.app import CSS, build_app
    from rag.ui.style import theme

    s = assistant.settings
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=s.ui.concurrency_limit)
    login = auth if callable(auth) else parse_auth(s.ui.auth if auth is None else auth)
    return gr.mount_gradio_app(
        app, demo, path,
        auth=login,
        auth_message=("Nachrichten-Assistent: log in with any user name and an API key (RAG_API__KEYS) as "
                      "the password." if callable(login) else "Nachrichten-Assistent: please log in."),
        allowed_paths=[],
        blocked_paths=[str(p.resolve()) for p in (s.paths.index_dir, s.paths.models_dir, s.paths.seeds_dir)],
        max_file_size=int(s.ui.max_upload_mb * 1024 * 1024),
        show_error=False,  # gr.Error messages are still shown; other exceptions stay generic
        ssr_mode=False,
        mcp_server=False,
        footer_links=["api"],
        css=CSS,
        theme=theme(),
    )
