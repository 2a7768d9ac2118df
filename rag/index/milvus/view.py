"""The searchable view of a Milvus-held index version (`rag.index.stores.SearchView`).

Dense and BM25 search run in the engine, with the filter inside the search; keys are the
stable chunk ids. What the fusion needs beyond the two top-n lists (the cosine of a
BM25-only candidate, the BM25 score of a dense-only one) is asked of the engine too: the
candidates' vectors, and a BM25 search restricted to the candidates' ids. Chunks and
vectors that searches return are kept for the rest of the view's life, bounded.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Sequence

import numpy as np

from rag.core.config import StoreSettings
from rag.core.types import Chunk
from rag.index.filters import SearchFilter
from rag.index.manifest import Manifest
from rag.index.milvus.filters import expression, quote
from rag.index.milvus.schema import CHUNK_FIELDS, bm25_scale, chunk_of, search_params, stems

CACHE_ROWS = 20000  # chunks/vectors kept per view: ~40 MB; a question touches ~100
MAX_TOPK = 16384  # Milvus's largest search limit


class MilvusView:
    """One published version: its manifest, and searches against the collection."""

    def __init__(self, client, collection: str, manifest: Manifest, version: str,
                 settings: StoreSettings, store: dict[str, Any]):
        self.client, self.collection, self.manifest, self.version = client, collection, manifest, version
        self.settings, self.store = settings, store
        self._chunks: dict[int, Chunk] = {}
        self._vectors: dict[int, np.ndarray] = {}
        self._idf: dict[str, float] = {}
        self._lock = threading.Lock()
        starts = sorted(d.id_range for d in manifest.documents.values())
        self._starts = np.array([a for a, _ in starts], dtype=np.int64)
        self._stops = np.array([b for _, b in starts], dtype=np.int64)

    # -- what the store says about itself ----------------------------------------------------
    @property
    def size(self) -> int:
        return int(self.manifest.n_chunks)

    @property
    def embedder_id(self) -> str:
        return self.manifest.embedder.model_id

    @property
    def dim(self) -> int:
        return int(self.manifest.embedder.dim)

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse to mix vectors of two models (Manifest.check_embedder)."""
        self.manifest.check_embedder(model_id, dim)

    def status(self) -> dict[str, Any]:
        m = self.manifest
        return {"version": self.version, "documents": len(m.documents), "chunks": self.size,
                "store": {k: self.store.get(k) for k in ("backend", "uri", "collection", "index_type")},
                "embedder": self.embedder_id, "dim": self.dim, "built_at": m.created_at,
                "chunking": {"chunker": m.chunking.chunker, "chunk_size": m.chunking.chunk_size,
                             "chunk_overlap": m.chunking.chunk_overlap}}

    # -- searching -------------------------------------------------------------------------------
    def search_dense(self, query_vector: np.ndarray, n: int, where: SearchFilter | None = None) -> list[tuple[int, float]]:
        hits = self._search(np.asarray(query_vector, dtype=np.float32).tolist(), "vector", n, expression(where),
                            search_params(self.settings), CHUNK_FIELDS + ["vector"])
        return [(key, float(distance)) for key, distance in hits]

    def search_lexical(self, query: str, where: SearchFilter | None = None) -> "MilvusLexical":
        return MilvusLexical(self, stems(query), expression(where))

    def _search(self, data, field: str, n: int, expr: str, params: dict, output: list[str]) -> list[tuple[int, float]]:
        if n <= 0:
            return []
        result = self.client.search(self.collection, data=[data], anns_field=field, limit=min(n, MAX_TOPK),
                                    filter=expr, output_fields=output, search_params=params)
        out = []
        for hit in result[0]:
            key = int(hit["id"])
            if not self._live(key):  # an interrupted update's rows, until `rag index` repairs
                continue
            entity = hit["entity"]
            self._remember(key, entity)
            out.append((key, float(hit["distance"])))
        return out

    def _live(self, key: int) -> bool:
        i = int(np.searchsorted(self._starts, key, side="right")) - 1
        return i >= 0 and key < self._stops[i]

    def _remember(self, key: int, entity: dict[str, Any]) -> None:
        with self._lock:
            if len(self._chunks) > CACHE_ROWS:
                self._chunks, self._vectors = {}, {}
            if "meta" in entity:
                self._chunks[key] = chunk_of(entity)
            if entity.get("vector") is not None:
                self._vectors[key] = np.asarray(entity["vector"], dtype=np.float32)

    def _fetch(self, keys: Sequence[int], need_vectors: bool) -> None:
        have = self._vectors if need_vectors else self._chunks
        missing = [int(k) for k in dict.fromkeys(keys) if int(k) not in have]
        for start in range(0, len(missing), 1000):
            part = missing[start:start + 1000]
            fields = CHUNK_FIELDS + (["vector"] if need_vectors else [])
            for entity in self.client.get(self.collection, ids=part, output_fields=fields):
                self._remember(int(entity["id"]), entity)

    def cosines(self, keys: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        if not len(keys):
            return np.zeros(0, dtype=np.float32)
        self._fetch(keys, need_vectors=True)
        return np.stack([self._vectors[int(k)] for k in keys]) @ np.asarray(query_vector, dtype=np.float32)

    def chunk(self, key: int) -> Chunk:
        return self.chunks_of([key])[0]

    def chunks_of(self, keys: Sequence[int]) -> list[Chunk]:
        self._fetch(keys, need_vectors=False)
        return [self._chunks[int(k)] for k in keys]

    def document_keys(self, id_range: tuple[int, int]) -> list[int]:
        return list(range(int(id_range[0]), int(id_range[1])))  # keys are the stable chunk ids

    def idf(self, term: str) -> float:
        """BM25's idf over the live chunks; the document frequency is counted by the engine
        (TEXT_MATCH on the stemmed field), once per term and version."""
        cached = self._idf.get(term)
        if cached is not None:
            return cached
        rows = self.client.query(self.collection, filter=f"TEXT_MATCH(text_stem, {quote(term)})",
                                 output_fields=["count(*)"])
        df = int(rows[0]["count(*)"]) if rows else 0
        value = math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
        if len(self._idf) < self.settings.idf_cache:
            self._idf[term] = value
        return value


class MilvusLexical:
    """BM25 for one query in the engine, scaled to the local store's scores (Lite returns
    -score as the distance, a server the score: the magnitude is used).

    Scores come from one unfiltered search over every row that has a query term (up to
    Milvus's top-k limit): Milvus Lite computes BM25 statistics (N, df, avgdl) over only the
    rows a filter admits when the rows are in its memtable, so a filtered search, even one
    restricted to candidate ids, scores differently from the local store, which computes
    them over the whole index. A filter still runs inside the engine and decides which rows
    make the top n; their scores are the unfiltered ones.
    """

    def __init__(self, view: MilvusView, terms: str, expr: str):
        self.view, self.terms, self.expr = view, terms, expr
        self._exact: dict[int, float] | None = None

    def _all(self) -> dict[int, float]:
        if self._exact is None:
            hits = self._bm25(min(self.view.size, MAX_TOPK), "") if self.terms else []
            self._exact = dict(hits)
        return self._exact

    def top(self, n: int) -> list[tuple[int, float]]:
        if not self.terms or n <= 0:
            return []
        exact = self._all()
        if self.expr:
            ranked = [(k, exact.get(k, 0.0)) for k, _ in self._bm25(n, self.expr)]
            ranked.sort(key=lambda item: -item[1])
        else:
            ranked = list(exact.items())[:n]
        return [(k, s) for k, s in ranked if s > 0]

    def scores(self, keys: Sequence[int]) -> np.ndarray:
        exact = self._all()
        return np.array([exact.get(int(k), 0.0) for k in keys], dtype=np.float32)

    def _bm25(self, n: int, expr: str) -> list[tuple[int, float]]:
        hits = self.view._search(self.terms, "sparse", n, expr, {"metric_type": "BM25"}, ["id"])
        return [(k, abs(d) / bm25_scale()) for k, d in hits]
