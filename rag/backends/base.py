"""What every answer backend receives and must provide."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from rag.core.config import LLMSettings
from rag.core.errors import BackendError, RagError
from rag.core.types import Hit, QuestionAnalysis


@dataclass(frozen=True)
class GenerationRequest:
    """One analysed question with its numbered passages ([1] is passages[0]) and the chat
    messages built from them by `rag.answer.prompting`. Extractive backends read `passages`;
    LLMs `messages`."""

    analysis: QuestionAnalysis  # of the standalone (already condensed) question
    passages: tuple[Hit, ...]
    messages: tuple[dict[str, str], ...] = ()  # {"role": "system"|"user"|"assistant", "content": ...}
    # The extractive reader's `Reading` of these passages when the assistant already made one
    # (for the answer's confidence): the extractive backend answers from it instead of reading
    # the passages a second time (half of its reading time, 160 seeds questions profiled).
    reading: Any = None

    @classmethod
    def for_question(cls, question: str, passages=(), messages=()) -> "GenerationRequest":
        """A request for a question not analysed yet (tools, tests, the eval judge)."""
        from rag.answer.analysis import analyze_question

        return cls(analyze_question(question), tuple(passages), tuple(messages))

    @property
    def question(self) -> str:
        return self.analysis.text

    @property
    def language(self) -> str:
        return self.analysis.language


@dataclass
class BackendContext:
    """The narrow slice of settings and shared parts a backend factory may use."""

    llm: LLMSettings
    models_dir: Path
    # The extractive reader (the assistant shares its own; None: the factory builds one).
    reader: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class LLMBackend(Protocol):
    name: str
    # Optional `computes = True`: the answer is computed on this process's CPU (the
    # extractive reader), so a server runs it in its pool of one worker per core
    # (`Assistant.pool_for`); other backends mostly wait and get their own threads.

    def generate(self, request: GenerationRequest) -> str:
        """Return the whole answer text, with [n] markers referring to request.passages."""
        ...

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer in pieces; concatenated they equal `generate`'s result. A
        backend with a queue may first yield `rag.core.workers.Waiting(position)`."""
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


def prompt_policy(backend: LLMBackend, llm: LLMSettings) -> tuple[int, bool]:
    """(evidence sentences, gated) for an LLM backend: the settings, or where they say
    None the backend's own `small_model_defaults`. With the gate, the extractive reader,
    calibrated to refuse, decides whether the passages answer at all; the LLM then only
    phrases the answer, with no refusal clause to hide behind."""
    if backend.name == "extractive":
        return 0, False
    own = getattr(backend, "small_model_defaults", {})
    n = own.get("evidence_sentences", 0) if llm.evidence_sentences is None else llm.evidence_sentences
    gated = own.get("extractive_gate", False) if llm.extractive_gate is None else llm.extractive_gate
    return n, gated
