"""Dense, BM25 and fused (reciprocal rank fusion) retrieval over a SearchIndex."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.config import RetrievalSettings
from rag.index import SearchIndex
from rag.language import detect_language
from rag.types import Hit


@dataclass
class Retriever:
    index: SearchIndex
    embedder: object  # rag.embedding.Embedder
    settings: RetrievalSettings
    corpus_language: str = "de"

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """Top-k hits, best first. Every hit carries its dense cosine and BM25 score."""
        k = k or self.settings.k
        mode = mode or self.settings.mode
        n = max(self.settings.candidates, k)
        qvec = self.embedder.encode_queries([query])[0]
        lexical = self.index.lexical_scores(query)

        dense_ranked: list[tuple[int, float]] = []
        bm25_ranked: list[tuple[int, float]] = []
        if mode in ("dense", "hybrid"):
            dense_ranked = self.index.dense(qvec, n)
        if mode in ("bm25", "hybrid") and lexical.size:
            top = np.argsort(-lexical, kind="stable")[:n]
            bm25_ranked = [(int(r), float(lexical[r])) for r in top if lexical[r] > 0]

        if mode == "dense":
            fused = dense_ranked
        elif mode == "bm25":
            fused = bm25_ranked
        else:
            fused = self._fuse(query, dense_ranked, bm25_ranked)
        fused = self._diversify(fused, k)

        rows = [r for r, _ in fused]
        dense_scores = self.index.vectors_for_rows(rows) @ qvec if rows else np.zeros(0)
        return [
            Hit(
                chunk=self.index.chunks[row],
                score=float(score),
                rank=rank,
                dense_score=float(dense_scores[i]),
                lexical_score=float(lexical[row]) if lexical.size else 0.0,
            )
            for i, ((row, score), rank) in enumerate(zip(fused, range(1, len(fused) + 1)))
        ]

    def _fuse(self, query: str, dense: list[tuple[int, float]], bm25: list[tuple[int, float]]):
        s = self.settings
        bm25_weight = s.bm25_weight
        if detect_language(query, self.corpus_language) != self.corpus_language:
            # German BM25 matches only names in an English question and would outvote the
            # dense side, which understands the question across languages.
            bm25_weight = s.cross_lingual_bm25_weight
        scores: dict[int, float] = {}
        for weight, ranked in ((s.dense_weight, dense), (bm25_weight, bm25)):
            if weight <= 0:
                continue
            for rank, (row, _) in enumerate(ranked, start=1):
                scores[row] = scores.get(row, 0.0) + weight / (s.rrf_k + rank)
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

    def _diversify(self, ranked: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        cap = self.settings.max_chunks_per_doc
        if not cap:
            return ranked[:k]
        picked, per_doc, overflow = [], {}, []
        for row, score in ranked:
            doc = self.index.chunks[row].doc_id
            if per_doc.get(doc, 0) < cap:
                per_doc[doc] = per_doc.get(doc, 0) + 1
                picked.append((row, score))
            else:
                overflow.append((row, score))
            if len(picked) == k:
                break
        # Fill up from the overflow rather than return fewer than k hits.
        return picked + overflow[: k - len(picked)]
