"""Fusing the dense and BM25 candidate lists: pure functions, chosen by name
(`RetrievalSettings.fusion`; haystack's DocumentJoiner with its join modes is the model).

- "zscore" (default): each side's scores over the union of both candidate lists are
  standardised (z-scores) and added with the side weights. Unlike rank fusion it keeps how
  far ahead a hit is, which decides between neighbouring chunks of the right article.
  On XQuAD-de (1,190 questions) MRR@10 0.920 vs 0.905 for the best reciprocal rank fusion.
- "rrf": weighted reciprocal rank fusion, score = sum(w / (rrf_k + rank)).

A side is a list of (row, score), best first; the result is one such list. Rows are the
store's keys (`rag.index.stores.SearchView`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from rag.core.config import RetrievalSettings

Ranked = list[tuple[int, float]]


def zscore(dense: Ranked, bm25: Ranked, bm25_weight: float, settings: RetrievalSettings,
           cosines: Callable[[list[int]], np.ndarray], lexical: Callable[[list[int]], np.ndarray]) -> Ranked:
    """Weighted sum of per-side z-scores over the union of both candidate lists.

    Every candidate gets both scores (`cosines(rows)` gives a BM25-only candidate's cosine,
    `lexical(rows)` a dense-only candidate's BM25 score), so a chunk found by one side is not
    penalised as absent from the other. Without BM25 candidates the order is exactly the
    dense order.
    """
    if not bm25 or bm25_weight <= 0:  # nothing to fuse: keep FAISS's order (and its ties)
        return [(row, settings.dense_weight * cos) for row, cos in dense]
    rows = sorted({r for r, _ in dense} | {r for r, _ in bm25})
    cos = cosines(rows)
    score = settings.dense_weight * _standardise(cos) + bm25_weight * _standardise(lexical(rows))
    order = sorted(range(len(rows)), key=lambda i: (-score[i], rows[i]))
    return [(rows[i], float(score[i])) for i in order]


def rrf(dense: Ranked, bm25: Ranked, bm25_weight: float, settings: RetrievalSettings,
        cosines: Callable[[list[int]], np.ndarray], lexical: Callable[[list[int]], np.ndarray]) -> Ranked:
    """Weighted reciprocal rank fusion: each side adds weight / (rrf_k + rank)."""
    scores: dict[int, float] = {}
    for weight, ranked in ((settings.dense_weight, dense), (bm25_weight, bm25)):
        if weight <= 0:
            continue
        for rank, (row, _) in enumerate(ranked, start=1):
            scores[row] = scores.get(row, 0.0) + weight / (settings.rrf_k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


FUSIONS: dict[str, Callable[..., Ranked]] = {"zscore": zscore, "rrf": rrf}


def diversify(ranked: Ranked, k: int, cap: int, doc_of: Callable[[int], str]) -> Ranked:
    """The top k, at most `cap` rows per document (0: no cap), filled up from the overflow
    rather than returning fewer than k."""
    if not cap:
        return ranked[:k]
    picked, per_doc, overflow = [], {}, []
    for row, score in ranked:
        doc = doc_of(row)
        if per_doc.get(doc, 0) < cap:
            per_doc[doc] = per_doc.get(doc, 0) + 1
            picked.append((row, score))
        else:
            overflow.append((row, score))
        if len(picked) == k:
            break
    return picked + overflow[: k - len(picked)]


def _standardise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    std = float(x.std())
    return (x - x.mean()) / std if std > 1e-12 else np.zeros_like(x)
