"""`create_app(assistant)`: one FastAPI app with the HTTP API and the chat UI on the same port."""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Sequence

from rag import __version__
from rag.assistant import Assistant

DESCRIPTION = """Offline Q&A over German news with verified citations.

* **/v1**: OpenAI-compatible (`GET /v1/models`, `POST /v1/chat/completions`); every response
  carries a top-level `citations` list for the `[n]` markers in its text.
* **/api**: the JSON contract of `rag ask --json`, documents, incremental rebuilds, status.

Send an API key (`RAG_API__KEYS`) as `Authorization: Bearer <key>`. The chat UI is at `/`;
with keys set, its login takes any user name and a key as the password (unless `RAG_UI__AUTH`
sets another login).
"""


def _warm_up(assistant: Assistant) -> None:
    # Load the embedder, the index and the claim check's tagger once the server runs, so the
    # first questions are fast without delaying startup. Errors here resurface, readably, on the first question.
    try:
        assistant.index()
        assistant.embedder.encode_queries(["warm-up"])
        assistant.support_scorer().warm_up()
    except Exception:  # noqa: BLE001 - best effort only
        pass


def create_app(assistant: Assistant, *, keys: Sequence[str] | None = None, ui: bool = True,
               ui_auth: str | None = None, warm_up: bool = True) -> Any:
    """The app `rag serve` runs: /v1 and /api over `assistant`, the docs at /docs, and the UI
    at / (unless `ui=False`). `keys` defaults to `settings.api.keys`; `ui_auth` to
    `settings.ui.auth`. With keys and no `ui_auth`, the UI's login takes a key as the password
    (rag/api/auth.py). Binding it beyond loopback without keys is refused by `serve`."""
    from fastapi_offline import FastAPIOffline

    from rag.api.auth import bearer_dependency, ui_login
    from rag.api.errors import install_error_handlers
    from rag.api.limits import UploadLimit
    from rag.api.openai_routes import v1_router
    from rag.api.rest_routes import api_router

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if warm_up:  # a thread: startup does not wait for the models
            threading.Thread(target=_warm_up, args=(assistant,), daemon=True, name="rag-warm-up").start()
        yield

    # fastapi-offline serves Swagger UI and ReDoc from the files it ships (MIT; FastAPI's own
    # pages load them from a CDN, so /docs was blank offline). validatorUrl None: Swagger UI
    # would otherwise send the spec's URL to validator.swagger.io for its badge.
    app = FastAPIOffline(title="rag: news Q&A with verified citations", version=__version__,
                         description=DESCRIPTION, lifespan=lifespan, static_url="/docs-assets",
                         swagger_ui_parameters={"validatorUrl": None})
    install_error_handlers(app)
    app.add_middleware(UploadLimit, path="/api/documents", max_mb=assistant.settings.api.max_request_mb,
                       setting="RAG_API__MAX_REQUEST_MB")
    keys = assistant.settings.api.keys if keys is None else keys
    auth = bearer_dependency(keys)
    app.include_router(v1_router(assistant, auth))
    app.include_router(api_router(assistant, auth))
    if ui:  # last: Gradio's mount at "/" would shadow any route added after it
        from rag.ui.server import mount_ui

        login = ui_login(keys, assistant.settings.ui.auth if ui_auth is None else ui_auth,
                         bind=assistant.conversations.login_owners.bind)
        mount_ui(app, assistant, auth=login)
    return app
