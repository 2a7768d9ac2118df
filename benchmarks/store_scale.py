"""Milvus Lite vs the local store on synthetic 384-d vectors: build time, p50/p95 search and
memory. A script, not a test; each store runs in its own process so memory is its own.

    python benchmarks/store_scale.py --n 100000                 # both stores, one after the other
    python benchmarks/store_scale.py --n 1000000 --stores local # the local store alone

Rows: unit vectors from a seeded normal distribution (the worst case for ANN indexes) and a
short synthetic text of 24 words from a 20k-word vocabulary (so both stores also build
BM25). Ten chunks per document. Both stores are written through their `publish` (the path
`rag index` takes) and searched through their `SearchView` (`search_dense` for top 50, the
retriever's candidate count; `search_lexical(...).top(50)` for BM25). Memory is the
process's peak RSS (ru_maxrss) and the RSS after loading the view, both including Python,
numpy and (for Milvus) the in-process Lite engine.

Two kinds of BM25 query:
- `bm25_*`: the first words of two rows, i.e. the head of the Zipf vocabulary; together
  they occur in ~96% of rows, a worst case no real question reaches.
- `question_*`: nine terms per query (the median of the news eval questions), each with a
  document frequency drawn from the deciles of the real question terms' df/N in the
  10kGNAD index (`QUESTION_TERM_DF`). `question_both_*` times dense top 50 plus BM25 top 50
  for the same query: the retriever's two searches before fusion.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DOC_CHUNKS = 10
# df/N deciles of the 894 terms of the 96 news eval questions (evals/news/questions.jsonl)
# in the seeds + 10kGNAD index (4,962 chunks), measured 2026-12-03; a question has 9 terms
# at the median, and together they occur in at most 12% of chunks at the median.
QUESTION_TERM_DF = (0.0002, 0.0004, 0.00081, 0.00161, 0.00322, 0.00564, 0.01008, 0.01748, 0.03144, 0.07618)
QUESTION_TERMS = 9


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _update(n: int, dim: int, seed: int):
    from rag.core.types import Chunk
    from rag.index.changes import IndexUpdate
    from rag.index.manifest import ChunkingInfo, DocumentEntry, EmbedderInfo

    rng = np.random.default_rng(seed)
    vocab = [f"wort{i}" for i in range(20000)]
    words = rng.zipf(1.3, size=(n, 24)) % len(vocab)
    chunks, documents = [], {}
    for d in range(0, n, DOC_CHUNKS):
        doc_id = f"doc{d // DOC_CHUNKS:07d}"
        stop = min(n, d + DOC_CHUNKS)
        documents[doc_id + ".txt"] = DocumentEntry(doc_id=doc_id, content_hash=f"h{d}", title=doc_id,
                                                   date=f"20{10 + d % 15:02d}-01-01", id_range=(d, stop), chars=0)
        for i in range(d, stop):
            text = " ".join(vocab[w] for w in words[i])
            chunks.append(Chunk(chunk_id=f"{doc_id}:{i - d}", doc_id=doc_id, source=doc_id + ".txt", title=doc_id,
                                date=f"20{10 + d % 15:02d}-01-01", text=text, start=0, end=len(text)))
    vocab_rows = np.unique(np.repeat(np.arange(n, dtype=np.int64), words.shape[1]) * len(vocab) + words.reshape(-1))
    df_fraction = np.bincount(vocab_rows % len(vocab), minlength=len(vocab)) / n
    # The synthetic word whose df/N is nearest each decile.
    by_decile = [vocab[int(np.argmin(np.abs(df_fraction - f)))] for f in QUESTION_TERM_DF]
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    update = IndexUpdate(embedder=EmbedderInfo("synthetic", "synthetic", dim),
                         chunking=ChunkingInfo("synthetic", 0, 0), documents=documents, new_chunks=chunks,
                         new_ids=list(range(n)), to_embed=list(range(n)), next_id=n)
    return update, vectors, [vocab[w] for w in words[:, 0]], by_decile


def run_one(store_name: str, n: int, dim: int, queries: int, workdir: Path) -> dict:
    from rag.core.config import load_settings
    from rag.index.stores import open_store

    settings = load_settings(store={"backend": store_name, "uri": str(workdir / "milvus.db")})
    started = time.perf_counter()
    update, vectors, first_words, by_decile = _update(n, dim, seed=0)
    made = time.perf_counter() - started
    store = open_store(settings.store, workdir / "index")
    started = time.perf_counter()
    with store.lock():
        store.publish(None, update, vectors)
    build = time.perf_counter() - started
    del update
    started = time.perf_counter()
    view = store.load()
    load = time.perf_counter() - started
    rss_loaded = _rss_mib()

    rng = np.random.default_rng(1)
    qs = rng.standard_normal((queries, dim), dtype=np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    dense, lexical = [], []
    for i, q in enumerate(qs):
        t = time.perf_counter()
        view.search_dense(q, 50)
        dense.append(time.perf_counter() - t)
        t = time.perf_counter()
        view.search_lexical(f"{first_words[i]} {first_words[-i - 1]}").top(50)
        lexical.append(time.perf_counter() - t)
    question, both = [], []
    for q in qs:
        text = " ".join(rng.choice(by_decile, QUESTION_TERMS))
        t = time.perf_counter()
        view.search_lexical(text).top(50)
        question.append(time.perf_counter() - t)
        t = time.perf_counter()
        view.search_dense(q, 50)
        view.search_lexical(text).top(50)
        both.append(time.perf_counter() - t)
    disk = sum(p.stat().st_size for p in workdir.rglob("*") if p.is_file())
    ms = lambda xs, p: round(float(np.percentile(xs, p)) * 1000, 1)  # noqa: E731
    return {"store": store_name, "rows": n, "dim": dim, "queries": queries,
            "make_rows_s": round(made, 1), "build_s": round(build, 1), "load_s": round(load, 2),
            "dense_p50_ms": ms(dense, 50), "dense_p95_ms": ms(dense, 95),
            "bm25_p50_ms": ms(lexical, 50), "bm25_p95_ms": ms(lexical, 95),
            "question_bm25_p50_ms": ms(question, 50), "question_bm25_p95_ms": ms(question, 95),
            "question_both_p50_ms": ms(both, 50), "question_both_p95_ms": ms(both, 95),
            "rss_loaded_mib": round(rss_loaded), "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "disk_mib": round(disk / 2**20)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--stores", default="local,milvus")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one store in this process
    args = ap.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
            print(json.dumps(run_one(args.one, args.n, args.dim, args.queries, Path(tmp))))
        return 0
    for name in args.stores.split(","):
        out = subprocess.run([sys.executable, __file__, "--one", name, "--n", str(args.n), "--dim", str(args.dim),
                              "--queries", str(args.queries)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            return out.returncode
        print(out.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
