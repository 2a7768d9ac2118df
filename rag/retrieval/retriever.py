"""Dense, BM25 and fused retrieval over a store's SearchView (fusion: `rag.retrieval.fusion`).

Both searches run in the store (`rag.index.stores`: FAISS and BM25 arrays locally, the
engine in Milvus), with filters inside them; only the fusion runs here.

For questions not in the corpus language the BM25 weight is `cross_lingual_bm25_weight`:
German BM25 matches only the names in an English question and would outvote the dense
side, which understands the question across languages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import zip_longest

import numpy as np

from rag.core.config import RetrievalSettings
from rag.core.types import Hit, QuestionAnalysis
from rag.index.filters import SearchFilter
from rag.index.stores import SearchView
from rag.retrieval.fusion import FUSIONS, diversify


@dataclass
class Retriever:
    index: SearchView
    embedder: object  # rag.models.embedders.Embedder
    settings: RetrievalSettings
    corpus_language: str = "de"

    def search(self, query: str, language: str, k: int | None = None, mode: str | None = None,
               where: SearchFilter | None = None, vector: np.ndarray | None = None) -> list[Hit]:
        """Top-k hits for `query` (in `language`), best first, among the chunks `where`
        admits. Every hit carries its dense cosine and BM25 score. `vector`: the query's
        embedding when the caller has it (else it is encoded here)."""
        return [hit for _, hit in self._search(query, language, k, mode, where, vector)]

    def _search(self, query: str, language: str, k: int | None, mode: str | None,
                where: SearchFilter | None, vector: np.ndarray | None) -> list[tuple[int, Hit]]:
        """(store key, hit) for the top k."""
        k = k or self.settings.k
        mode = mode or self.settings.mode
        n = max(self.settings.candidates, k)
        qvec = vector if vector is not None else self.embedder.encode_queries([query])[0]
        lexical = self.index.search_lexical(query, where)

        dense_ranked: list[tuple[int, float]] = []
        bm25_ranked: list[tuple[int, float]] = []
        if mode in ("dense", "hybrid"):
            dense_ranked = self.index.search_dense(qvec, n, where)
        if mode in ("bm25", "hybrid"):
            bm25_ranked = lexical.top(n)

        if mode == "dense":
            fused = dense_ranked
        elif mode == "bm25":
            fused = bm25_ranked
        else:
            fused = FUSIONS[self.settings.fusion](
                dense_ranked, bm25_ranked, self.bm25_weight_for(language), self.settings,
                cosines=lambda rows: self.index.cosines(rows, qvec), lexical=lexical.scores)
        fused = diversify(fused, k, self.settings.max_chunks_per_doc, lambda row: self.index.chunk(row).doc_id)

        rows = [r for r, _ in fused]
        dense_scores = self.index.cosines(rows, qvec)
        lexical_scores = lexical.scores(rows)
        return [
            (row, Hit(
                chunk=chunk,
                score=float(score),
                rank=i + 1,
                dense_score=float(dense_scores[i]),
                lexical_score=float(lexical_scores[i]),
            ))
            for i, ((row, score), chunk) in enumerate(zip(fused, self.index.chunks_of(rows)))
        ]

    def search_question(self, analysis: QuestionAnalysis, k: int | None = None,
                        mode: str | None = None, where: SearchFilter | None = None,
                        sentences: bool = False) -> list[Hit]:
        """Top-k hits for an analysed question. A compound question's are the whole
        question's and each part's hits, taken in turn: one search for the whole question
        finds the part that dominates it and misses the other's article ("Wie viel ..., und
        welcher Konkurrent ...?"). Each part's vector is used when the analysis carries it.
        `sentences`: the hits carry their stored sentence vectors (`Hit.sentences`), fetched
        for the final k only."""
        whole = self._search(analysis.text, analysis.whole.language, k, mode, where, analysis.whole.vector)
        merged = whole
        if analysis.compound:
            k = k or self.settings.k
            lists = [whole] + [self._search(p.text, p.language, k, mode, where, p.vector) for p in analysis.parts]
            merged = []
            seen: set[str] = set()
            for tier in zip_longest(*lists):
                for pair in tier:
                    if pair is not None and pair[1].chunk.chunk_id not in seen and len(merged) < k:
                        seen.add(pair[1].chunk.chunk_id)
                        merged.append((pair[0], replace(pair[1], rank=len(merged) + 1)))
        if sentences and merged:
            # Only vectors of the question embedder are the reader's (an index built with
            # another model for its sentences answers too: the reader then encodes them).
            model = self.embedder.model_id
            stored = self.index.sentence_vectors([row for row, _ in merged])
            return [replace(hit, sentences=s if s is not None and s.model_id == model else None)
                    for (_, hit), s in zip(merged, stored)]
        return [hit for _, hit in merged]

    def bm25_weight_for(self, language: str) -> float:
        """The BM25 weight for a query in `language`: lower outside the corpus language."""
        if language != self.corpus_language:
            return self.settings.cross_lingual_bm25_weight
        return self.settings.bm25_weight
