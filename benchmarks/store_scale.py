"""Milvus Lite vs the local store on synthetic 384-d vectors: build time, p50/p95 search and
memory, and for Milvus the ratios to a plain pymilvus search. A script, not a test; each
store runs in its own process so memory is its own.

    python benchmarks/store_scale.py --n 20000 --queries 30     # both stores, with the Milvus ratios
    python benchmarks/store_scale.py --n 100000 --stores milvus --time-limit 900
    python benchmarks/store_scale.py --n 1000000 --stores local # the local store alone

Rows: unit vectors from a seeded normal distribution (the worst case for ANN indexes), a
short synthetic text of 24 words from a 20k-word vocabulary (so both stores also build
BM25) and three sentence vectors per row (the reader's, rag/index/sentences.py). Ten chunks
per document. Both stores are written through their `publish` (the path `rag index`
takes) and searched through their `SearchView`.

Timed per query (medians and p95 over `--queries`):
- `dense`: `search_dense` top 50, the retriever's candidate count;
- `bm25`: `search_lexical(...).top(50)` for the first words of two rows, i.e. the head of
  the Zipf vocabulary; together they occur in ~96% of rows, a worst case no real question
  reaches;
- `question_bm25`: the same for nine terms per query (the median of the news eval
  questions), each with a document frequency drawn from the deciles of the real question
  terms' df/N in the 10kGNAD index (`QUESTION_TERM_DF`);
- `question`: all a question asks of the store: `Retriever.search_question` with the
  query's vector (dense top 50, BM25 top 50, the fusion's scores for both lists, the top
  5 chunks and their sentence vectors);
- Milvus only, `plain`: a plain pymilvus FLAT search (top 50, ids only) on a flushed
  collection of the same vectors and nothing else, in the same process, timed right before
  the others for each query; the script prints `dense / plain` and `question / plain`.

Each store's run is stopped after `--time-limit` seconds and reported as not finished.
"""

from __future__ import annotations

import argparse
import inspect
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DOC_CHUNKS = 10
SENTENCES = 3  # per row
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
    vectors = _unit(rng, n, dim)
    info = EmbedderInfo("synthetic", "synthetic", dim)
    update = IndexUpdate(embedder=info, chunking=ChunkingInfo("synthetic", 0, 0), documents=documents,
                         new_chunks=chunks, new_ids=list(range(n)), to_embed=list(range(n)), next_id=n)
    sentences = None
    if "sentences" in inspect.signature(IndexUpdate).parameters:  # stored since issue 36
        from rag.index.sentences import SentenceRows

        update.sentences = info
        spans = [[(0, 40), (41, 80), (81, len(c.text))] for c in chunks]
        sentences = SentenceRows.of_lists(spans, _unit(rng, n * SENTENCES, dim))
    return update, vectors, sentences, [vocab[w] for w in words[:, 0]], by_decile


def _unit(rng, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class _Fixed:
    """The retriever's embedder for synthetic queries: each query text has its vector."""

    model_id, dim = "synthetic", 384

    def __init__(self):
        self.vectors: dict[str, np.ndarray] = {}

    def encode_queries(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def _plain_collection(vectors: np.ndarray, uri: str):
    """A flushed collection of `vectors` and nothing else; returns its plain search: a
    pymilvus FLAT search, top 50, ids only."""
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(uri=uri)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    index = client.prepare_index_params()
    index.add_index(field_name="vector", index_type="FLAT", metric_type="COSINE", params={})
    client.create_collection("plain", schema=schema, index_params=index, consistency_level="Strong")
    for start in range(0, len(vectors), 5000):
        client.insert("plain", [{"id": i, "vector": vectors[i]} for i in range(start, min(start + 5000, len(vectors)))])
    client.flush("plain")
    client.load_collection("plain")
    return lambda q: client.search("plain", data=[q.tolist()], anns_field="vector", limit=50, output_fields=["id"])


def run_one(store_name: str, n: int, dim: int, queries: int, workdir: Path) -> dict:
    from rag.answer.analysis import analyze_question
    from rag.core.config import load_settings
    from rag.index.stores import open_store
    from rag.retrieval.retriever import Retriever

    settings = load_settings(store={"backend": store_name, "uri": str(workdir / "milvus.db")})
    started = time.perf_counter()
    update, vectors, sentences, first_words, by_decile = _update(n, dim, seed=0)
    made = time.perf_counter() - started
    store = open_store(settings.store, workdir / "index")
    started = time.perf_counter()
    with store.lock():
        if sentences is not None:
            store.publish(None, update, vectors, sentences)
        else:
            store.publish(None, update, vectors)
    build = time.perf_counter() - started
    del update, sentences
    started = time.perf_counter()
    view = store.load()
    load = time.perf_counter() - started
    rss_loaded = _rss_mib()

    plain = _plain_collection(vectors, str(workdir / "plain.db")) if store_name == "milvus" else None
    rng = np.random.default_rng(1)
    qs = _unit(rng, queries, dim)
    embedder = _Fixed()
    retriever = Retriever(view, embedder, settings.retrieval)
    with_sentences = "sentences" in inspect.signature(retriever.search_question).parameters
    timings: dict[str, list[float]] = {"dense": [], "bm25": [], "question_bm25": [], "question": []}
    if plain is not None:
        timings["plain"] = []

    def timed(name: str, fn) -> None:
        t = time.perf_counter()
        fn()
        timings[name].append(time.perf_counter() - t)

    # Interleaved, query by query: the ratios hold however the machine's load drifts.
    for i, q in enumerate(qs):
        text = " ".join(rng.choice(by_decile, QUESTION_TERMS))
        embedder.vectors[text] = q
        analysis = analyze_question(text)
        if plain is not None:
            timed("plain", lambda: plain(q))
        timed("dense", lambda: view.search_dense(q, 50))
        timed("bm25", lambda: view.search_lexical(f"{first_words[i]} {first_words[-i - 1]}").top(50))
        timed("question_bm25", lambda: view.search_lexical(text).top(50))
        if with_sentences:
            timed("question", lambda: retriever.search_question(analysis, k=5, sentences=True))
        else:
            timed("question", lambda: retriever.search_question(analysis, k=5))
    out = {"store": store_name, "rows": n, "dim": dim, "queries": queries,
           "make_rows_s": round(made, 1), "build_s": round(build, 1), "load_s": round(load, 2),
           "rss_loaded_mib": round(rss_loaded),
           "disk_mib": round(sum(p.stat().st_size for p in workdir.rglob("*") if p.is_file()) / 2**20)}
    for name, values in timings.items():
        out[f"{name}_p50_ms"] = round(float(np.percentile(values, 50)) * 1000, 1)
        out[f"{name}_p95_ms"] = round(float(np.percentile(values, 95)) * 1000, 1)
    if "plain" in timings:
        base = float(np.median(timings["plain"]))
        out["dense_over_plain"] = round(float(np.median(timings["dense"])) / base, 2)
        out["question_over_plain"] = round(float(np.median(timings["question"])) / base, 2)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--stores", default="local,milvus")
    ap.add_argument("--time-limit", type=float, default=900.0, help="seconds per store run")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one store in this process
    args = ap.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
            print(json.dumps(run_one(args.one, args.n, args.dim, args.queries, Path(tmp))))
        return 0
    status = 0
    for name in args.stores.split(","):
        started = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, __file__, "--one", name, "--n", str(args.n), "--dim", str(args.dim),
                                  "--queries", str(args.queries)], capture_output=True, text=True,
                                 timeout=args.time_limit)
        except subprocess.TimeoutExpired:
            print(json.dumps({"store": name, "rows": args.n, "finished": False,
                              "time_limit_s": args.time_limit}), flush=True)
            status = 1
            continue
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            return out.returncode
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["wall_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result), flush=True)
        if "dense_over_plain" in result:
            print(f"milvus at {args.n} rows: dense p50 {result['dense_p50_ms']} ms = {result['dense_over_plain']}x "
                  f"a plain pymilvus search ({result['plain_p50_ms']} ms); question p50 {result['question_p50_ms']} "
                  f"ms = {result['question_over_plain']}x", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
