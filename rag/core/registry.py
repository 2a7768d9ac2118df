"""Registries for pluggable parts (answer backends, embedders, stores, formats), after simonw/llm.

A part registers a factory under a name, with the modules it needs and the command that
installs them. Asking for an unknown name lists the choices; asking for a part whose
modules are missing names the exact install command. Heavy libraries are imported inside
the factories, so registering costs nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from dataclasses import dataclass
from typing import Callable, Generic, Iterator, TypeVar

from rag.core.errors import RagError

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Entry(Generic[F]):
    name: str
    description: str
    requires: tuple[str, ...]  # importable module names the part needs
    install: str  # the exact command that makes it usable
    factory: F

    def missing(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]


class Registry(Generic[F]):
    """Named factories of one kind of part. `load` imports the built-in modules (whose
    decorators register them) the first time the registry is read."""

    def __init__(self, kind: str, error: type[RagError], load: Callable[[], None] | None = None):
        self.kind = kind  # e.g. "answer backend", used in messages
        self._error = error
        self._load = load
        self._loaded = load is None
        self._entries: dict[str, Entry[F]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, description: str = "", requires: tuple[str, ...] = (),
                 install: str = "") -> Callable[[F], F]:
        def deco(factory: F) -> F:
            with self._lock:
                self._entries = {**self._entries, name: Entry(name, description, requires, install, factory)}
            return factory

        return deco

    def unregister(self, name: str) -> None:
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if k != name}

    @contextlib.contextmanager
    def temporarily(self, name: str, factory: F, description: str = "", requires: tuple[str, ...] = (),
                    install: str = "") -> Iterator[str]:
        """Register a part for the duration of a `with` block (tests, plugins under trial)."""
        self.register(name, description, requires, install)(factory)
        try:
            yield name
        finally:
            self.unregister(name)

    def _ensure_loaded(self) -> None:
        if not self._loaded and self._load is not None:
            self._load()
            self._loaded = True

    def entries(self) -> list[Entry[F]]:
        self._ensure_loaded()
        entries = self._entries
        return [entries[n] for n in sorted(entries)]

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def get(self, name: str) -> Entry[F]:
        """The entry named `name`, usable here; otherwise an error that says what to do."""
        self._ensure_loaded()
        entry = self._entries.get(name)
        if entry is None:
            raise self._error(f"Unknown {self.kind} {name!r}. Available: {', '.join(self.names())}.")
        missing = entry.missing()
        if missing:
            raise self._error(f"The {name!r} {self.kind} needs {', '.join(missing)}, which is not "
                              f"installed. Install it with: {entry.install}")
        return entry
