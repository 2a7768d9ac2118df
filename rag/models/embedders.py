"""Embedders, chosen by name: `sentence-transformers` (real models) and `hashing` (tests).

Every embedder returns L2-normalised float32 rows, so inner product == cosine in FAISS.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from rag.core.config import EmbeddingSettings
from rag.core.errors import BackendUnavailableError, ModelError
from rag.core.registry import Registry


class Embedder(Protocol):
    model_id: str  # recorded in the index manifest; a different id forces a rebuild
    dim: int

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


EMBEDDERS: Registry = Registry("embedder backend", BackendUnavailableError)
register_embedder = EMBEDDERS.register


def embedder_names() -> list[str]:
    return EMBEDDERS.names()


def build_embedder(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    """Create the embedder named by `settings.backend` (loads the model now)."""
    return EMBEDDERS.get(settings.backend).factory(settings, models_dir)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; prompts come from the model's own config."""

    def __init__(self, model, model_id: str, batch_size: int):
        self._model = model
        self.model_id = model_id
        # sentence-transformers 6 renamed the getter; keep working with 5.x too.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(getter())
        self.batch_size = batch_size

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode_document(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return _checked(out, self.dim, self.model_id)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode_query(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return _checked(out, self.dim, self.model_id)


def _checked(vectors: np.ndarray, dim: int, model_id: str) -> np.ndarray:
    # A broken checkpoint can load "fine" and emit NaNs; never let those into an index.
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dim or not np.isfinite(vectors).all():
        raise ModelError(
            f"Embedder {model_id!r} produced invalid vectors (shape {vectors.shape}, "
            f"finite={bool(np.isfinite(vectors).all())}). Rebuild it: rag models install e5 --force"
        )
    return vectors


@register_embedder("sentence-transformers", "Any sentence-transformers model (default: the rebuilt multilingual-e5-small).",
                   requires=("sentence_transformers", "torch"), install="pip install -e .")
def _sentence_transformers(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    from rag.models import resolve_embedder

    location, model_id = resolve_embedder(settings.model, models_dir)
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - core dependency
        raise BackendUnavailableError(
            f"sentence-transformers is not installed ({exc}). Run: pip install -e ."
        ) from None
    if settings.threads:
        torch.set_num_threads(settings.threads)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # per-tensor "Loading weights" bars are noise for users
    try:
        model = SentenceTransformer(str(location), device="cpu")
    except Exception as exc:  # any load failure means the directory is unusable
        raise ModelError(
            f"Could not load embedding model {settings.model!r} from {location}: {exc}. "
            "If it is the default model, rebuild it: rag models install e5 --force"
        ) from exc
    return SentenceTransformerEmbedder(model, model_id, settings.batch_size)


class HashingEmbedder:
    """Deterministic bag-of-words hashing into `dim` buckets.

    Not semantic, but stable across runs and machines and needs no model, so tests of the
    index, retrieval and UI can run anywhere. Counts calls so tests can assert re-embedding.
    """

    _token = re.compile(r"\w+", re.UNICODE)

    def __init__(self, dim: int):
        self.dim = dim
        self.model_id = f"hashing-{dim}"
        self.documents_encoded = 0
        self.calls = 0

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for tok in self._token.findall(text.casefold()):
                digest = hashlib.blake2b(tok.encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) == 0 else -1.0
            if not out[row].any():
                out[row, 0] = 1.0
        return _normalise(out)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.documents_encoded += len(texts)
        return self._encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


@register_embedder("hashing", "Deterministic bag-of-words hashing; no model (tests).")
def _hashing(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    return HashingEmbedder(settings.dim)


class QueryCache:
    """An embedder whose query vectors are remembered (retrieval and the reader both embed
    the question; a follow-up or a retried question is embedded again). Documents pass
    through uncached: the reader keeps its own sentence vectors."""

    def __init__(self, embedder: Embedder, size: int):
        self._embedder = embedder
        self._size = size
        self._vectors: dict[str, np.ndarray] = {}
        self.model_id = embedder.model_id
        self.dim = embedder.dim

    def __getattr__(self, name: str):  # anything else (e.g. a test counter) is the embedder's
        return getattr(self._embedder, name)

    def encode_documents(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        return self._embedder.encode_documents(texts, **kwargs)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        cache = self._vectors  # replaced, never mutated: safe for concurrent readers
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        fresh = dict(zip(missing, self._embedder.encode_queries(missing))) if missing else {}
        if fresh:
            self._vectors = fresh if len(cache) + len(fresh) > self._size else {**cache, **fresh}
        found = {**cache, **fresh}
        return np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)
