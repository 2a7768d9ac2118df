"""Backends: the answer-backend registry (after simonw/llm); a backend is chosen by a name string.

Each backend module registers a factory with `@register(...)`. Importing this package only
imports those small modules; heavy clients (LangChain, llama.cpp) are imported inside the
factories, so an unusable backend fails when chosen, with the exact install command.
"""

from __future__ import annotations

import importlib

from rag.backends.base import BackendContext, GenerationRequest, LLMBackend
from rag.core.errors import BackendUnavailableError
from rag.core.registry import Entry, Registry

__all__ = [
    "BACKENDS",
    "BackendContext",
    "BackendInfo",
    "GenerationRequest",
    "LLMBackend",
    "get_backend",
    "list_backends",
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
