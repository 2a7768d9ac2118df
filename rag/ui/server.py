"""`serve(settings)`: build the Assistant and the app, then launch it (blocking).

Gradio may only serve files it created itself (uploads, temp files): `allowed_paths` stays
empty and the index, models and seeds directories are blocked outright.
"""

from __future__ import annotations

import os
import threading
from typing import Any

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


def _warm_up(assistant: Assistant) -> None:
    # Load the embedder and index after the port is open, so the first question is fast
    # without delaying startup. Errors here resurface, readably, on the first question.
    try:
        assistant.index()
        assistant.embedder.encode_queries(["warm-up"])
    except Exception:  # noqa: BLE001 - best effort only
        pass


def launch(assistant: Assistant, *, host: str | None = None, port: int | None = None,
           auth: str | None = None, prevent_thread_lock: bool = False, quiet: bool = False,
           warm_up: bool = True) -> Any:
    """Launch the UI for `assistant`; returns the Blocks (running in the background when
    `prevent_thread_lock`, which is how the tests start it). host/port/auth default to
    `settings.ui`."""
    # No network beyond localhost here: skip Gradio's analytics/version pings.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from rag.ui.app import CSS, build_app

    s = assistant.settings
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=1)
    demo.launch(
        server_name=host or s.ui.host,
        server_port=port or s.ui.port,
        share=s.ui.share,
        auth=parse_auth(s.ui.auth if auth is None else auth),
        auth_message="Nachrichten-Assistent: please log in.",
        allowed_paths=[],
        blocked_paths=[str(p.resolve()) for p in (s.paths.index_dir, s.paths.models_dir, s.paths.seeds_dir)],
        max_file_size=int(s.ui.max_upload_mb * 1024 * 1024),
        prevent_thread_lock=True,  # we block below, after starting the warm-up
        quiet=quiet,
        show_error=False,  # gr.Error messages are still shown; other exceptions stay generic
        ssr_mode=False,
        mcp_server=False,
        footer_links=["api"],
        css=CSS,
    )
    if warm_up:  # started only now, so it does not compete with startup for the CPU
        threading.Thread(target=_warm_up, args=(assistant,), daemon=True, name="rag-warm-up").start()
    if not prevent_thread_lock:
        demo.block_thread()  # until Ctrl-C; closes the server on the way out
    return demo


def serve(settings: Settings) -> None:
    """Entry point of `python app.py`, `rag serve` and `make run`."""
    check_index(settings)
    parse_auth(settings.ui.auth)  # a malformed auth string fails before anything starts
    launch(Assistant.from_settings(settings))
