"""The searchable view of a Milvus-held index version (`rag.index.stores.SearchView`).

What one question asks of the engine does not grow with the collection (pinned by
tests/test_milvus_store.py):
- a dense search and a BM25 search, each the engine's own top n (the retriever's
  `candidates`, 50), filters inside the search, returning ids and scores only;
- one fetch by primary key of the candidates' vectors and stems (at most 2n rows): the
  fusion weighs every candidate's cosine and BM25 score, computed here from the stems and
  the version's term statistics (`terms.py`) exactly as the local store computes them;
- one fetch of the chunk fields of the final k hits, and one of their sentence rows.
Keys are the stable chunk ids. Rows fetched are kept for the view's life, bounded.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from rag.core.config import StoreSettings
from rag.core.errors import IndexCorruptError
from rag.core.types import Chunk, SentenceVectors
from rag.index.filters import SearchFilter
from rag.index.local.lexical import K1
from rag.index.manifest import Manifest
from rag.index.milvus.filters import expression
from rag.index.milvus.schema import (
    CHUNK_FIELDS,
    SCORE_FIELDS,
    SENTENCE_FIELDS,
    chunk_of,
    search_params,
    sentence_collection,
    sentence_ids,
    sentence_rows_of,
    stems,
)
from rag.index.milvus.terms import TermStats

CACHE_ROWS = 20000  # rows kept per view (vectors, stems, chunks): ~40 MB; a question touches ~100
MAX_TOPK = 16384  # Milvus's largest search limit
ID_ONLY = ["id"]  # an empty list returns every field (pymilvus 3, milvus-lite 3.2.2)


class MilvusView:
    """One published version: its manifest and term statistics, and searches against the
    collection."""

    def __init__(self, client, collection: str, manifest: Manifest, version: str,
                 settings: StoreSettings, store: dict[str, Any], terms: TermStats):
        self.client, self.collection, self.manifest, self.version = client, collection, manifest, version
        self.settings, self.store, self.terms = settings, store, terms
        self._scored: dict[int, tuple[np.ndarray, list[str]]] = {}  # key -> (vector, stems)
        self._chunks: dict[int, tuple[Chunk, int]] = {}  # key -> (chunk, sentence rows)
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
                "sentence_vectors": m.sentences.model_id if m.sentences else None,
                "chunking": {"chunker": m.chunking.chunker, "chunk_size": m.chunking.chunk_size,
                             "chunk_overlap": m.chunking.chunk_overlap}}

    # -- searching -------------------------------------------------------------------------------
    def search_dense(self, query_vector: np.ndarray, n: int, where: SearchFilter | None = None) -> list[tuple[int, float]]:
        return self._search(np.asarray(query_vector, dtype=np.float32).tolist(), "vector", n, expression(where),
                            search_params(self.settings))

    def search_lexical(self, query: str, where: SearchFilter | None = None) -> "MilvusLexical":
        return MilvusLexical(self, stems(query), expression(where))

    def _search(self, data, field: str, n: int, expr: str, params: dict) -> list[tuple[int, float]]:
        if n <= 0:
            return []
        result = self.client.search(self.collection, data=[data], anns_field=field, limit=min(n, MAX_TOPK),
                                    filter=expr, output_fields=ID_ONLY, search_params=params)
        # An interrupted update's rows are skipped until `rag index` repairs them.
        return [(int(hit["id"]), float(hit["distance"])) for hit in result[0] if self._live(int(hit["id"]))]

    def _live(self, key: int) -> bool:
        i = int(np.searchsorted(self._starts, key, side="right")) - 1
        return i >= 0 and key < self._stops[i]

    def _fetch(self, keys: Sequence[int], cache: dict, fields: list[str], parse) -> list:
        """The parsed rows of `keys`, in order: from `cache`, the missing ones got from the
        engine (one call per 1,000) and remembered."""
        found = {int(k): cache[int(k)] for k in keys if int(k) in cache}
        missing = [int(k) for k in dict.fromkeys(keys) if int(k) not in found]
        for start in range(0, len(missing), 1000):
            entities = self.client.get(self.collection, ids=missing[start:start + 1000], output_fields=fields)
            fresh = {int(e["id"]): parse(e) for e in entities}
            found.update(fresh)
            with self._lock:
                if len(cache) + len(fresh) > CACHE_ROWS:
                    cache.clear()
                cache.update(fresh)
        lost = [int(k) for k in keys if int(k) not in found]
        if lost:
            raise IndexCorruptError(f"{len(lost)} rows of the index are missing from Milvus collection "
                                    f"{self.collection!r}. Rebuild with: rag index --rebuild")
        return [found[int(k)] for k in keys]

    def _scoring_rows(self, keys: Sequence[int]) -> list[tuple[np.ndarray, list[str]]]:
        return self._fetch(keys, self._scored, SCORE_FIELDS,
                           lambda e: (np.asarray(e["vector"], dtype=np.float32), e["text_stem"].split()))

    def cosines(self, keys: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        if not len(keys):
            return np.zeros(0, dtype=np.float32)
        rows = self._scoring_rows(keys)
        return np.stack([vector for vector, _ in rows]) @ np.asarray(query_vector, dtype=np.float32)

    def bm25(self, keys: Sequence[int], terms: list[str]) -> np.ndarray:
        """The BM25 score of each key for the query `terms`, as the local store scores it."""
        if not len(keys):
            return np.zeros(0, dtype=np.float32)
        return self.terms.scores(terms, [row_terms for _, row_terms in self._scoring_rows(keys)])

    def chunk(self, key: int) -> Chunk:
        return self.chunks_of([key])[0]

    def _chunk_rows(self, keys: Sequence[int]) -> list[tuple[Chunk, int]]:
        return self._fetch(keys, self._chunks, CHUNK_FIELDS, lambda e: (chunk_of(e), int(e["sentences"])))

    def chunks_of(self, keys: Sequence[int]) -> list[Chunk]:
        return [chunk for chunk, _ in self._chunk_rows(keys)]

    def sentence_vectors(self, keys: Sequence[int]) -> list[SentenceVectors | None]:
        """The keys' sentence rows, one fetch by primary key (ids follow from chunk ids)."""
        sentences = self.manifest.sentences
        if sentences is None or not len(keys):
            return [None] * len(keys)
        counts = [n for _, n in self._chunk_rows(keys)]
        wanted = [pk for k, n in zip(keys, counts) for pk in sentence_ids(int(k), n)]
        found = {int(e["id"]): e for e in self.client.get(sentence_collection(self.collection), ids=wanted,
                                                          output_fields=SENTENCE_FIELDS)} if wanted else {}
        if len(found) < len(wanted):
            raise IndexCorruptError(f"{len(wanted) - len(found)} sentence rows are missing from Milvus "
                                    f"collection {sentence_collection(self.collection)!r}. Rebuild with: "
                                    "rag index --rebuild")
        rows = sentence_rows_of(counts, found, keys, int(sentences.dim))
        return [rows.of(i, sentences.model_id) for i in range(len(keys))]

    def document_keys(self, id_range: tuple[int, int]) -> list[int]:
        return list(range(int(id_range[0]), int(id_range[1])))  # keys are the stable chunk ids

    def idf(self, term: str) -> float:
        """BM25's idf over the live chunks, from the version's term statistics."""
        return self.terms.idf(term)


class MilvusLexical:
    """BM25 for one query: the engine's own top n, with the filter inside the search. The
    scores the fusion weighs (`scores`) are computed from the candidates' stems and the
    whole index's statistics, as the local store computes them: the same scale whatever
    the filter, and whichever segment a row is in (Milvus Lite scores each segment with
    its own statistics)."""

    def __init__(self, view: MilvusView, terms: str, expr: str):
        self.view, self.terms, self.expr = view, terms.split(), expr

    def top(self, n: int) -> list[tuple[int, float]]:
        """The engine's top n, best first, with its scores on the local store's scale
        (Milvus scores idf x tf x (k1 + 1) / (tf + norm), the local store without the
        constant k1 + 1; Lite returns -score, a server the score). Nothing is fetched: the
        fusion fetches all candidates' rows at once (`scores`, `MilvusView.cosines`)."""
        if not self.terms or n <= 0:
            return []
        hits = self.view._search(" ".join(self.terms), "sparse", n, self.expr, {"metric_type": "BM25"})
        return [(k, abs(d) / (K1 + 1.0)) for k, d in hits if d]

    def scores(self, keys: Sequence[int]) -> np.ndarray:
        return self.view.bm25(keys, self.terms)
