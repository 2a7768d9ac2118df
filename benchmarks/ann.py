"""ANN at scale: the local store's HNSW graph (rag/index/local/ann.py) vs exact search.

Usage (from the repo root):
    python benchmarks/ann.py --rows 1000000 [--queries 200] [--threads 2]

Synthetic 384-d vectors shaped like sentence embeddings rather than uniform noise: 2,000
random topic centres, each row a centre plus Gaussian noise, L2-normalised (uniform random
vectors on the sphere have no neighbourhood structure and no real corpus looks like them).
Queries are fresh draws from the same mixture. Builds the graph with the parameters in
`IndexSettings` (`rag.core.config`), then prints, from this one run: build seconds, the
median (p50) and p95 single-query latency on one thread for the graph and for exact
IndexFlatIP search, their ratio, and recall@10 of the graph against exact search.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def mixture(rows: int, dim: int, rng: np.random.Generator, centres: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    out = np.empty((rows, dim), dtype=np.float32)
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        picks = rng.integers(0, len(centres), size=n)
        block = centres[picks] + rng.normal(0, 0.06, size=(n, dim)).astype(np.float32)
        out[start:start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def latencies(search, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        found.append(search(q.reshape(1, -1)))
        times.append((time.perf_counter() - t0) * 1000)
    return times, np.vstack(found)


def main() -> None:
    import faiss

    from rag.core.config import IndexSettings
    from rag.index.local.ann import build_graph, search_graph

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2, help="threads for building (search uses 1)")
    ap.add_argument("--ef-search", type=int, nargs="+", default=None,
                    help="one or more search breadths, each timed on the same graph (default: IndexSettings.hnsw_ef_search)")
    args = ap.parse_args()
    settings = IndexSettings()
    efs = args.ef_search or [settings.hnsw_ef_search]

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2000, args.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    t0 = time.perf_counter()
    vectors = mixture(args.rows, args.dim, rng, centres)
    queries = mixture(args.queries, args.dim, rng, centres)
    print(f"data: {args.rows:,} x {args.dim} in {time.perf_counter() - t0:.1f} s")

    faiss.omp_set_num_threads(args.threads)
    t0 = time.perf_counter()
    graph = build_graph(vectors, settings)
    build = time.perf_counter() - t0
    print(f"HNSW build (M={settings.hnsw_m}, efConstruction={settings.hnsw_ef_construction}, "
          f"{args.threads} threads): {build:.1f} s")
    exact = faiss.IndexFlatIP(args.dim)
    exact.add(vectors)

    faiss.omp_set_num_threads(1)  # the app searches on one thread (RetrievalSettings.faiss_threads)
    t_exact, truth = latencies(lambda q: exact.search(q, 10)[1], queries)

    def p(ts: list[float], q: float) -> float:
        return float(np.percentile(ts, q))

    print(f"queries: {len(queries)}, one thread")
    print(f"exact IndexFlatIP       p50 {statistics.median(t_exact):8.2f} ms  p95 {p(t_exact, 95):8.2f} ms")
    for ef in efs:
        search_graph(graph, queries[:5], 10, ef, None)  # warm-up
        t_ann, found = latencies(lambda q: search_graph(graph, q, 10, ef, None)[1], queries)
        recall = float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)]))
        print(f"HNSW efSearch={ef:<5}    p50 {statistics.median(t_ann):8.2f} ms  p95 {p(t_ann, 95):8.2f} ms  "
              f"ratio to exact {statistics.median(t_ann) / statistics.median(t_exact):.3f}  recall@10 {recall:.4f}")


if __name__ == "__main__":
    main()
