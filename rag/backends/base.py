"""What every answer backend receives and must provide."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from rag.core.config import AnswerSettings, LLMSettings
from rag.core.errors import BackendError, RagError
from rag.core.types import Hit


@dataclass(frozen=True)
class GenerationRequest:
    """One question with its numbered passages ([1] is passages[0]) and the chat messages
    built from them by `rag.answer.prompting`. Extractive backends read `passages`; LLMs `messages`.
    """

    question: str  # standalone (already condensed) question
    passages: tuple[Hit, ...]
    messages: tuple[dict[str, str], ...]  # {"role": "system"|"user"|"assistant", "content": ...}
    language: str = "de"  # language of the question: "de" or "en"


@dataclass
class BackendContext:
    """The narrow slice of settings and shared parts a backend factory may use."""

    llm: LLMSettings
    answer: AnswerSettings
    models_dir: Path
    # Lazily supplies the embedder (the extractive backend scores sentences with it).
    embedder: Callable[[], Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class LLMBackend(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> str:
        """Return the whole answer text, with [n] markers referring to request.passages."""
        ...

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer in pieces; concatenated they equal `generate`'s result."""
        ...

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        """Rewrite a follow-up into a standalone question using (user, assistant) turns."""
        ...


def guarded_stream(open_stream: Callable[[], Iterable[str]],
                   fail: Callable[[BaseException], BackendError], empty_message: str) -> Iterator[str]:
    """Yield the non-empty pieces of `open_stream()`; any provider exception becomes
    `fail(exc)`, and a stream that produced nothing is a BackendError, never a blank answer.
    The stream is opened inside the guard because some clients fail on the call itself."""
    produced = False
    try:
        for piece in open_stream():
            if piece:
                produced = True
                yield piece
    except RagError:
        raise
    except Exception as exc:  # provider SDKs and llama.cpp raise many unrelated types
        raise fail(exc) from exc
    if not produced:
        raise BackendError(empty_message)
