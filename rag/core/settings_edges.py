"""Settings of the edges: the chat UI and the HTTP API. Sections of the one `Settings`
(rag.core.config)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False  # Gradio share links: `rag serve` refuses them (the UI is mounted on the API)
    auth: str = ""  # "user:password" enables basic auth
    # The upload limit of the web server, before a file is read; each type's own cap
    # (`IngestSettings`) applies after its content is sniffed. 50 MB = the largest (PDF).
    max_upload_mb: float = Field(50.0, gt=0)
    # Chat answers the UI works on at once (Gradio's queue); more wait in line. The Assistant
    # answers concurrently; the `local` LLM still runs one generation at a time (its lock).
    concurrency_limit: int = Field(4, ge=1)
    # The Evaluation tab runs `rag eval` in a child process this many nice levels below the
    # server (capped at 19), so the chat's questions come first on shared cores (rag/ui/eval_runs.py).
    eval_nice: int = Field(10, ge=0, le=19)
    # An answer whose calibrated `confidence` (the probability that it is right) is below this
    # is shown with a "low confidence" mark and its best passages; an answer without one, none.
    low_confidence: float = Field(0.5, ge=0.0, le=1.0)
    low_confidence_passages: int = Field(3, ge=0)  # the best passages shown beside such an answer


class APISettings(BaseModel):
    """The HTTP API that `rag serve` runs beside the UI (rag/api/)."""

    # Bearer tokens for /v1 and /api: `RAG_API__KEYS=key1,key2` (or a JSON list). Required
    # whenever the server binds to a non-loopback address; empty = open, loopback only.
    keys: Annotated[list[str], NoDecode] = []
    # An upload request (POST /api/documents) declaring a larger body is refused with 413
    # before its body is read; each file in it is then checked against ui.max_upload_mb.
    max_request_mb: float = Field(50.0, gt=0)

    @field_validator("keys", mode="before")
    @classmethod
    def _split_keys(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                import json

                return json.loads(v)
            return [k.strip() for k in v.split(",") if k.strip()]
        return v
