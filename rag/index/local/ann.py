"""Approximate nearest neighbours for large segments: a FAISS HNSW graph per segment.

A segment with at least `IndexSettings.ann_min_rows` rows gets `ann.faiss`, an
IndexHNSWFlat (inner product) over all its rows, built once when the segment is written
(segments are immutable; a merge builds the merged segment's graph, as Lucene does).
Smaller segments stay in the exact IndexFlatIP of the view. Deleted rows stay in a graph
and are excluded at search time by an IDSelector, like a filter's rows (`allowed`);
FAISS applies the selector during the HNSW walk (SearchParametersHNSW.sel), so filtered
results are exact members of the filter, found among the graph's candidates.

The file is FAISS's own binary format (no pickle), checksummed by the version manifest
like every segment file. Its build parameters and the recall@10 measured against exact
search right after building are recorded in the manifest's segment entry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.core.config import IndexSettings

ANN_FILE = "ann.faiss"


def build_graph(vectors: np.ndarray, settings: IndexSettings):
    """An IndexHNSWFlat (inner product) over `vectors` (L2-normalised float32 rows)."""
    import faiss

    graph = faiss.IndexHNSWFlat(vectors.shape[1], settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = settings.hnsw_ef_construction
    graph.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return graph


def graph_bytes(graph) -> np.ndarray:
    import faiss

    return faiss.serialize_index(graph)


def read_graph(path: Path):
    import faiss

    return faiss.read_index(str(path))


def selector(mask: np.ndarray):
    """A FAISS selector admitting the positions where `mask` is true. A bitmap: building it
    is one np.packbits, where an IDSelectorBatch hashes every id (~50 ms per million).
    The bitmap array is attached to the selector so it lives as long as the selector."""
    import faiss

    bits = np.packbits(mask.astype(bool), bitorder="little")
    sel = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
    sel.bits_owner = bits
    return sel


def search_graph(graph, queries: np.ndarray, n: int, ef_search: int, admitted: np.ndarray | None):
    """(scores, positions) of the top `n` among the positions where `admitted` (a bool
    mask; None: all). The walk visits rows outside the mask but returns none of them, so
    the beam widens by the inverse of the admitted share to find as many admitted rows."""
    import faiss

    ef = max(ef_search, n)
    params = faiss.SearchParametersHNSW()
    if admitted is not None:
        share = max(float(np.count_nonzero(admitted)) / len(admitted), 1e-9)
        ef = int(min(ef / share, len(admitted)))
        params.sel = selector(admitted)
    params.efSearch = ef
    return graph.search(np.ascontiguousarray(queries, dtype=np.float32), n, params=params)


def recall_at_10(graph, vectors: np.ndarray, ef_search: int, sample: int, seed: int = 0) -> float:
    """Share of the exact top-10 the graph returns, for `sample` queries drawn from the
    segment's own rows, each moved off its row by noise (a query is never a stored row)."""
    import faiss

    rng = np.random.default_rng(seed)
    picks = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    queries = vectors[picks] + rng.normal(0, 0.05, size=(len(picks), vectors.shape[1])).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.ascontiguousarray(vectors, dtype=np.float32))
    k = min(10, len(vectors))
    _, truth = exact.search(queries, k)
    _, found = search_graph(graph, queries, k, ef_search, None)
    return float(np.mean([len(set(t) & set(f)) / k for t, f in zip(truth, found)]))


def graph_info(graph, vectors: np.ndarray, settings: IndexSettings) -> dict:
    """What the manifest records about a freshly built graph."""
    return {"kind": "hnsw-flat", "m": settings.hnsw_m, "ef_construction": settings.hnsw_ef_construction,
            "recall_at_10": round(recall_at_10(graph, vectors, settings.hnsw_ef_search, settings.recall_sample), 4),
            "recall_ef_search": settings.hnsw_ef_search, "recall_queries": min(settings.recall_sample, len(vectors))}
