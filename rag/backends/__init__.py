"""Backends: the answer-backend registry (after simonw/llm); a backend is chosen by a name string.

Each backend module registers a factory with `@register(...)`. Importing this package only
imports those small modules; heavy clients (LangChain, llama.cpp) are imported inside the
factories, so an unusable backend fails when chosen, with the exact install command.
"""

from __future__ import annotations

import importlib

from rag.backends.base import BackendContext, GenerationRequest, LLMBackend, prompt_policy
from rag.core.errors import BackendUnavailableError
from rag.core.registry import Entry, Registry

__all__ = [
    "BACKENDS",
    "BackendContext",
    "BackendInfo",
    "GenerationRequest",
    "LLMBackend",
    "backend_rows",
    "get_backend",
    "list_backends",
    "prompt_policy",
    "register",
]

BackendInfo = Entry


def _load_builtin_backends() -> None:
    # Importing the modules runs their @register decorators; they import nothing heavy.
    from rag.backends import extractive, fake  # noqa: F401

    for optional in ("langchain_backend", "local"):
        try:
            importlib.import_module(f"rag.backends.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"rag.backends.{optional}":
                raise


BACKENDS: Registry = Registry("LLM backend", BackendUnavailableError, load=_load_builtin_backends)
register = BACKENDS.register


def list_backends() -> list[Entry]:
    return BACKENDS.entries()


def get_backend(name: str, ctx: BackendContext) -> LLMBackend:
    """Instantiate the backend registered as `name`; unknown names list the available ones."""
    return BACKENDS.get(name).factory(ctx)


def backend_rows() -> list[dict[str, object]]:
    """Registered answer backends with whether they are usable here and, if not, the
    install command (the UI's and the API's backend lists)."""
    rows = []
    for info in list_backends():
        missing = info.missing()
        rows.append({
            "name": info.name, "description": info.description, "usable": not missing,
            "reason": f"needs {', '.join(missing)}: {info.install}" if missing else "",
        })
    return rows
