"""Embedders, chosen by name: `onnx` (default), `sentence-transformers` and `hashing` (tests).

Every embedder returns L2-normalised float32 rows, so inner product == cosine in FAISS.

Building an embedder is cheap: `model_id` and `dim` come from the model's manifest, and the
weights load on the first encode. So `rag index` with nothing to do, and loading an index,
never load (or import) a model.

`model_id` is what the index manifest records; a different id forces a rebuild. The ONNX
fp32 export computes the same vectors as sentence-transformers (cosine >= 0.9999999, max
abs difference ~1e-7 per component; tests/test_onnx_parity.py), so both carry the model's
own id and their indexes are interchangeable. int8 vectors differ (mean cosine 0.999) and
get the id with "+" and the export's int8 recipe appended ("+int8-blocked").
int8 is a build precision: questions and the reader run fp32 (`Assistant.embedder`).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from rag.core.config import EmbeddingSettings
from rag.core.errors import BackendUnavailableError, ModelError
from rag.core.registry import Registry

Progress = Callable[[int], None]  # called with the number of texts just encoded


class Embedder(Protocol):
    model_id: str  # recorded in the index manifest; a different id forces a rebuild
    dim: int

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


EMBEDDERS: Registry = Registry("embedder backend", BackendUnavailableError)
register_embedder = EMBEDDERS.register


def embedder_names() -> list[str]:
    return EMBEDDERS.names()


def build_embedder(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    """Create the embedder named by `settings.backend`. Cheap: the model loads on first use."""
    return EMBEDDERS.get(settings.backend).factory(settings, models_dir)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (torch); prompts come from the model's own config."""

    def __init__(self, location: Path | str, model_id: str, settings: EmbeddingSettings, dim: int | None):
        self._location = location
        self.model_id = model_id
        self._settings = settings
        self._dim = dim  # known from the manifest for installed models; else read from the model
        self._model = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self._get_dim(self.model)

    @staticmethod
    def _get_dim(model) -> int:
        # sentence-transformers 6 renamed the getter; keep working with 5.x too.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self._location, self._settings)
                if self._dim is not None and self._get_dim(self._model) != self._dim:
                    raise ModelError(f"{self._location} has dimension {self._get_dim(self._model)}, its manifest "
                                     f"says {self._dim}. Rebuild it: rag models install e5 --force")
            return self._model

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        window = self._settings.sort_window  # sentence-transformers sorts by length per call
        for start in range(0, len(texts), window):
            # Stripped, as the onnx encoder does (rag/models/spm_tokenizer.py says why).
            parts.append(self.model.encode_document(
                [t.strip() for t in texts[start:start + window]], batch_size=self._settings.batch_size,
                normalize_embeddings=True, convert_to_numpy=True))
            if progress is not None:
                progress(len(parts[-1]))
        return _checked(np.concatenate(parts), self.dim, self.model_id)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode_query(
            [t.strip() for t in texts], batch_size=self._settings.batch_size, normalize_embeddings=True, convert_to_numpy=True
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


def _load_sentence_transformer(location: Path | str, settings: EmbeddingSettings):
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
        return SentenceTransformer(str(location), device="cpu")
    except Exception as exc:  # any load failure means the directory is unusable
        raise ModelError(
            f"Could not load embedding model {settings.model!r} from {location}: {exc}. "
            "If it is the default model, rebuild it: rag models install e5 --force"
        ) from exc


@register_embedder("sentence-transformers", "Any sentence-transformers model, on torch (builds the ONNX export).",
                   requires=("sentence_transformers", "torch"), install="pip install -e .")
def _sentence_transformers(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    from rag.models import resolve_embedder

    location, model_id, dim = resolve_embedder(settings.model, models_dir)
    return SentenceTransformerEmbedder(location, model_id, settings, dim)


class OnnxEmbedder:
    """An ONNX export (`rag models install e5`) on onnxruntime + tokenizers; no torch."""

    def __init__(self, encoder, model_id: str):
        self._encoder = encoder  # rag.models.onnx_encoder.OnnxEncoder
        self.model_id = model_id
        self.dim = encoder.dim
        self.precision = encoder.variant

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return _checked(self._encoder.encode(texts, "passage", progress), self.dim, self.model_id)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _checked(self._encoder.encode(texts, "query"), self.dim, self.model_id)


@register_embedder("onnx", "The ONNX export of the e5 model on onnxruntime (default; fp32 or int8).",
                   requires=("onnxruntime", "sentencepiece"), install="pip install -e .")
def _onnx(settings: EmbeddingSettings, models_dir: Path) -> Embedder:
    from rag.models import resolve_onnx
    from rag.models.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder(resolve_onnx(settings.model, models_dir), settings.precision, threads=settings.threads,
                          batch_size=settings.onnx_batch_size, sort_window=settings.sort_window,
                          memory_arena=settings.memory_arena,
                          workers=settings.onnx_workers or os.cpu_count() or 1,
                          parallel_min_texts=settings.onnx_parallel_min_texts)
    model_id = encoder.manifest["model_id"]
    if settings.precision != "fp32":
        variant = encoder.manifest["variants"][settings.precision]
        if "id" not in variant:  # recipe 2: every activation per tensor, lost a seeds dev question
            raise ModelError(f"The {settings.precision} graph at {encoder.model_dir} is of an older recipe. "
                             f"Export it again with: rag models install e5 (or use --precision fp32)")
        model_id += "+" + variant["id"]
    return OnnxEmbedder(encoder, model_id)


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
        self.queries: list[str] = []  # every query text encoded, in order

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

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls += 1
        self.documents_encoded += len(texts)
        return self._encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
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
        if fresh and self._size:  # 0: no cache
            self._vectors = fresh if len(cache) + len(fresh) > self._size else {**cache, **fresh}
        found = {**cache, **fresh}
        return np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)
