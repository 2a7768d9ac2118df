"""Dense search over a version's live rows: exact for small segments, HNSW for large ones.

The view's rows are the live rows of all segments, in segment order. Rows of segments
without a graph go into one exact IndexFlatIP; each segment with a graph (`ann.py`) is
searched through it, its dead rows excluded by a selector. The parts' top-n lists are
merged by score. A filter (`allowed`, a bool per row) is applied inside every part's
search; when it admits few rows, those rows are scored directly instead (exact).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index.local.ann import search_graph, selector
from rag.index.local.topk import top_n


@dataclass
class GraphPart:
    graph: object  # faiss.IndexHNSWFlat over all rows of one segment
    vectors: np.ndarray  # the segment's vectors (float32, all rows)
    rows: np.ndarray  # int64 per segment position: the view row, or -1 for a deleted row
    positions: np.ndarray  # int64 per live row of this part, in view order: its segment position


class DenseIndex:
    """Top-n inner-product search over `ntotal` rows (see the module docstring)."""

    def __init__(self, dim: int, flat_vectors: np.ndarray, flat_rows: np.ndarray, graphs: list[GraphPart],
                 ntotal: int, ef_search: int = 128, exact_filter_max_rows: int = 20_000):
        import faiss

        self.dim = dim
        self.ntotal = ntotal
        self.ef_search = ef_search
        self.exact_filter_max_rows = exact_filter_max_rows
        self.flat = faiss.IndexFlatIP(dim)
        if len(flat_rows):
            self.flat.add(np.ascontiguousarray(flat_vectors, dtype=np.float32))
        self.flat_rows = flat_rows  # flat position -> view row
        self.graphs = graphs
        # view row -> (part, position in part); part 0 is the flat index, i + 1 graph i.
        self._part = np.zeros(ntotal, dtype=np.int32)
        self._pos = np.zeros(ntotal, dtype=np.int64)
        self._pos[flat_rows] = np.arange(len(flat_rows))
        for i, part in enumerate(graphs):
            live = part.rows[part.positions]
            self._part[live] = i + 1
            self._pos[live] = part.positions

    @property
    def approximate(self) -> bool:
        return bool(self.graphs)

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of view rows, in the given order."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        parts, positions = self._part[rows], self._pos[rows]
        in_flat = parts == 0
        if in_flat.any():
            out[in_flat] = self.flat.reconstruct_batch(positions[in_flat])
        for i, part in enumerate(self.graphs):
            mine = parts == i + 1
            if mine.any():
                out[mine] = part.vectors[positions[mine]]
        return out

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-n (view row, score), best first, among `allowed` rows (None: all)."""
        import faiss

        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        n = min(n, self.ntotal)
        if n <= 0:
            return []
        if allowed is not None:
            admitted = np.flatnonzero(allowed)
            if not len(admitted):
                return []
            if self.graphs and len(admitted) <= self.exact_filter_max_rows:
                return self._score_rows(query[0], admitted, n)
        hits: list[tuple[int, float]] = []
        if len(self.flat_rows):
            params = None
            if allowed is not None:
                params = faiss.SearchParameters(sel=selector(allowed[self.flat_rows]))
            scores, positions = self.flat.search(query, min(n, len(self.flat_rows)), params=params)
            hits += [(int(self.flat_rows[p]), float(s)) for s, p in zip(scores[0], positions[0]) if p >= 0]
        for part in self.graphs:
            admitted = part.rows >= 0  # deleted rows stay in the graph until a merge
            if allowed is not None:
                admitted[admitted] = allowed[part.rows[admitted]]
            elif len(part.positions) == len(part.rows):
                admitted = None  # nothing deleted, nothing filtered: no selector at all
            if admitted is not None and not admitted.any():
                continue
            scores, positions = search_graph(part.graph, query, n, self.ef_search, admitted)
            hits += [(int(part.rows[p]), float(s)) for s, p in zip(scores[0], positions[0]) if p >= 0]
        if self.graphs:
            hits.sort(key=lambda hit: -hit[1])
        return hits[:n]

    def _score_rows(self, query: np.ndarray, rows: np.ndarray, n: int) -> list[tuple[int, float]]:
        scores = self.reconstruct(rows) @ query
        return [(int(rows[i]), float(scores[i])) for i in top_n(scores, n)]
