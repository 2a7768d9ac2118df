"""The search index: FAISS vectors + BM25 + chunk metadata, loaded from one store version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError, IndexMismatchError
from rag.lexical import LexicalIndex
from rag.store import REBUILD_HINT, IndexStore
from rag.types import Chunk, chunk_from_dict

VECTORS = "vectors.faiss"
CHUNKS = "chunks.jsonl"
BM25_DIR = "bm25"


@dataclass
class SearchIndex:
    """Rows are chunks in `chunks` order; FAISS ids (`ids[row]`) are stable across updates."""

    manifest: dict[str, Any]
    version: str
    chunks: list[Chunk]
    ids: np.ndarray  # int64, row -> faiss id
    vectors: Any  # faiss.IndexIDMap2 over IndexFlatIP
    lexical: LexicalIndex

    def __post_init__(self) -> None:
        self._row_of_id = {int(i): row for row, i in enumerate(self.ids)}

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]["model_id"]

    @property
    def dim(self) -> int:
        return int(self.manifest["embedder"]["dim"])

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse to mix vectors of two models: a query must use the index's embedder."""
        if model_id != self.embedder_id or dim != self.dim:
            raise IndexMismatchError(
                f"The index was built with embedder {self.embedder_id!r} (dim {self.dim}), but "
                f"{model_id!r} (dim {dim}) is configured. Rebuild with: rag index --rebuild"
            )

    def dense(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Top-n (row, cosine) for one L2-normalised query vector."""
        if not self.chunks:
            return []
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), min(n, len(self.chunks)))
        return [(self._row_of_id[int(i)], float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def lexical_scores(self, query: str) -> np.ndarray:
        return self.lexical.scores(query)

    def vectors_for_rows(self, rows: list[int]) -> np.ndarray:
        return np.vstack([self.vectors.reconstruct(int(self.ids[r])) for r in rows]) if rows else \
            np.zeros((0, self.dim), dtype=np.float32)

    def status(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "documents": len(self.manifest.get("documents", {})),
            "chunks": len(self.chunks),
            "embedder": self.embedder_id,
            "dim": self.dim,
            "built_at": self.manifest.get("created_at"),
            "chunking": self.manifest.get("chunking"),
        }


def read_chunks(path: Path) -> tuple[list[Chunk], np.ndarray]:
    chunks, ids = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(record.pop("id"))
            chunks.append(chunk_from_dict(record))
    return chunks, np.asarray(ids, dtype=np.int64)


def load_index(root: Path, verify: bool = True) -> SearchIndex:
    """Load the live version; every file is checksum-verified against the manifest."""
    import faiss

    store = IndexStore(root)
    version_dir = store.current_dir()
    manifest = store.read_manifest(version_dir, verify=verify)
    try:
        chunks, ids = read_chunks(version_dir / CHUNKS)
        vectors = faiss.read_index(str(version_dir / VECTORS))
        lexical = LexicalIndex.load(version_dir / BM25_DIR)
    except Exception as exc:  # checksums passed, so this is a format/bug-level problem
        raise IndexCorruptError(f"Could not read the index in {version_dir}: {exc}. {REBUILD_HINT}") from exc
    if vectors.ntotal != len(chunks) or lexical.size != len(chunks):
        raise IndexCorruptError(
            f"Index parts disagree: {vectors.ntotal} vectors, {lexical.size} BM25 rows, "
            f"{len(chunks)} chunks. {REBUILD_HINT}"
        )
    return SearchIndex(manifest, version_dir.name, chunks, ids, vectors, lexical)
