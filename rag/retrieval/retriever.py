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
               where: SearchFilter | None = None) -> list[Hit]:
        """Top-k hits for `query` (in `language`), best first, among the chunks `where`
        admits. Every hit carries its dense cosine and BM25 score."""
        k = k or self.settings.k
        mode = mode or self.settings.mode
        n = max(self.settings.candidates, k)
        qvec = self.embedder.encode_queries([query])[0]
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
            Hit(
                chunk=chunk,
                score=float(score),
                rank=i + 1,
                dense_score=float(dense_scores[i]),
                lexical_score=float(lexical_scores[i]),
            )
            for i, ((_, score), chunk) in enumerate(zip(fused, self.index.chunks_of(rows)))
        ]

    def search_question(self, analysis: QuestionAnalysis, k: int | None = None,
                        mode: str | None = None, where: SearchFilter | None = None) -> list[Hit]:
        """Top-k hits for an analysed question. A compound question's are the whole
        question's and each part's hits, taken in turn: one search for the whole question
        finds the part that dominates it and misses the other's article ("Wie viel ..., und
        welcher Konkurrent ...?")."""
        whole = self.search(analysis.text, analysis.whole.language, k=k, mode=mode, where=where)
        if not analysis.compound:
            return whole
        k = k or self.settings.k
        lists = [whole] + [self.search(p.text, p.language, k=k, mode=mode, where=where) for p in analysis.parts]
        merged: list[Hit] = []
        seen: set[str] = set()
        for tier in zip_longest(*lists):
            for hit in tier:
                if hit is not None and hit.chunk.chunk_id not in seen and len(merged) < k:
                    seen.add(hit.chunk.chunk_id)
                    merged.append(replace(hit, rank=len(merged) + 1))
        return merged

    def bm25_weight_for(self, language: str) -> float:
        """The BM25 weight for a query in `language`: lower outside the corpus language."""
        if language != self.corpus_language:
            return self.settings.cross_lingual_bm25_weight
        return self.settings.bm25_weight
