"""Backends: the answer-backend registry (after simonw/llm); a backend is chosen by a name string.

Each backend module registers a factory with `@register(...)`. Importing this package only
imports those small modules; heavy clients (LangChain, llama.cpp) are imported inside the
factories, so an unusable backend fails when chosen, with the exact install command.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from rag.core.errors import BackendUnavailableError
from rag.backends.base import BackendContext, GenerationRequest, LLMBackend

__all__ = [
    "BackendContext",
    "BackendInfo",
    "GenerationRequest",
    "LLMBackend",
    "get_backend",
    "list_backends",
    "register",
]


@dataclass(frozen=True)
class BackendInfo:
    name: str
    description: str
    requires: tuple[str, ...]  # importable module names the backend needs
    install: str  # the exact command that makes it usable
    factory: Callable[[BackendContext], LLMBackend]

    def missing(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]


_REGISTRY: dict[str, BackendInfo] = {}


def register(name: str, description: str, requires: tuple[str, ...] = (), install: str = ""):
    def deco(factory: Callable[[BackendContext], LLMBackend]):
        _REGISTRY[name] = BackendInfo(name, description, requires, install, factory)
        return factory

    return deco


def _load_builtin_backends() -> None:
    # Importing the modules runs their @register decorators; they import nothing heavy.
    from rag.backends import extractive, fake  # noqa: F401

    for optional in ("langchain_backend", "local"):
        try:
            importlib.import_module(f"rag.backends.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"rag.backends.{optional}":
                raise


def list_backends() -> list[BackendInfo]:
    _load_builtin_backends()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def get_backend(name: str, ctx: BackendContext) -> LLMBackend:
    """Instantiate the backend registered as `name`; unknown names list the available ones."""
    _load_builtin_backends()
    info = _REGISTRY.get(name)
    if info is None:
        raise BackendUnavailableError(
            f"Unknown LLM backend {name!r}. Available: {', '.join(sorted(_REGISTRY))}."
        )
    missing = info.missing()
    if missing:
        raise BackendUnavailableError(
            f"The {name!r} backend needs {', '.join(missing)}, which is not installed. "
            f"Install it with: {info.install}"
        )
    return info.factory(ctx)
