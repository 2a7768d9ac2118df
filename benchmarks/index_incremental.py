"""Incremental index update vs full build vs LangChain's naive rebuild (issue "Incremental,
crash-safe index rebuild").

Usage (from the repo root):
    python benchmarks/index_incremental.py [xquad.de.json] [--articles 10000] [--adds 3]
        [--real-articles 200] [--skip-real] [--json benchmarks/index_incremental.json]

A synthetic German corpus is built in a temp dir by recombining XQuAD-de paragraphs
(title line + 3-6 random paragraphs per article, seeded RNG); the data never enters the repo.

Hashing embedder (fast, fake) on `--articles` articles:
  full build, add-one (median of `--adds` fresh articles), embed-one (encode_documents on
  that article's chunks alone), naive = LangChain `FAISS.from_documents` over all chunks;
  then more articles added to the same index but embedded by e5 (under the hashing id, see
  BorrowedIdentity): the add/embed ratio at 10k with a real model's embedding cost.
Real model (multilingual-e5-small) on `--real-articles` articles:
  full build vs raw `SentenceTransformer.encode_document` on the same chunk texts, and
  add-one vs embed-one. All times are medians where repeated; load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from synthetic_corpus import load_paragraphs, write_corpus  # noqa: E402

DEFAULT_XQUAD = Path("/work/shared/benchmarks/xquad/xquad.de.json")


def article_chunk_texts(path: Path, chunking) -> list[str]:
    from rag.ingest.chunking import chunk_document, embedding_text
    from rag.ingest.documents import parse_document

    doc = parse_document(path.name, path.read_bytes())
    return [embedding_text(c) for c in chunk_document(doc, chunking)]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure_adds(maker, seeds, index_dir, chunking, embedder, backend, start_n, adds, cold=False):
    """Add `adds` fresh articles one at a time; (add times, embed-one times, chunks each).

    Warm: the process still holds the version it just published (the UI's rebuild button).
    Cold: that cache is dropped first, so the old version is read and fully re-verified
    (what a fresh `rag index` process does)."""
    from rag.index.local.view import forget_verified
    from rag.ingest.update import update_index

    from rag.index.local.view import load_index

    add_t, embed_t, n_chunks, reload_t = [], [], [], []
    for i in range(adds):
        path = maker.write(seeds, start_n + i)
        if cold:
            forget_verified()
        t, report = timed(lambda: update_index(seeds, index_dir, chunking, embedder, backend))
        assert report.added == [path.name] and not report.full_rebuild, report
        texts = article_chunk_texts(path, chunking)
        assert report.embedded_chunks == len(texts), (report.embedded_chunks, len(texts))
        e, _ = timed(lambda: embedder.encode_documents(texts))
        add_t.append(t)
        embed_t.append(e)
        n_chunks.append(len(texts))
        if not cold:  # what the next question pays: the merged, searchable view of the new version
            r, index = timed(lambda: load_index(index_dir))
            assert len(index.chunks) == report.total_chunks
            reload_t.append(r)
    return add_t, embed_t, n_chunks, reload_t


class BorrowedIdentity:
    """e5's real embedding cost under the base index's embedder id, so an article can be
    added to the 10k-article hashing index: the update's own overhead does not depend on
    the vector values, only its embedding time does."""

    def __init__(self, real, base_id: str, dim: int):
        self.real, self.model_id, self.dim = real, base_id, dim

    def encode_documents(self, texts):
        return self.real.encode_documents(texts)


def naive_langchain(index_dir: Path, embedder, repeats: int) -> list[float]:
    """What a naive app does on every change: embed every chunk again into a new FAISS."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document as LCDocument
    from langchain_core.embeddings import Embeddings

    from rag.ingest.chunking import embedding_text
    from rag.index.local.view import load_index

    class Wrapped(Embeddings):
        def embed_documents(self, texts):
            return embedder.encode_documents(texts).tolist()

        def embed_query(self, text):
            return embedder.encode_queries([text])[0].tolist()

    # Chunking is done once up-front and not timed: the naive path gets its chunks for free.
    docs = [LCDocument(page_content=embedding_text(c), metadata={"source": c.source, "chunk_id": c.chunk_id})
            for c in load_index(index_dir).chunks]
    times = []
    for _ in range(repeats):
        t, store = timed(lambda: FAISS.from_documents(docs, Wrapped()))
        assert store.index.ntotal == len(docs)
        times.append(t)
    return times


def warm_e5(models_dir: Path):
    """The real default embedder, with its first-call overhead out of every timing."""
    from rag.core.config import EmbeddingSettings
    from rag.models.embedders import build_embedder

    embedder = build_embedder(EmbeddingSettings(backend="sentence-transformers"), models_dir)
    embedder.encode_documents(["Aufwärmen des Modells."] * 4)
    return embedder


def hashing_part(args, paragraphs, work: Path) -> dict:
    from rag.core.config import ChunkingSettings
    from rag.models.embedders import HashingEmbedder
    from rag.ingest.update import update_index

    chunking = ChunkingSettings()
    seeds, index_dir = work / "seeds", work / "index"
    maker = write_corpus(paragraphs, seeds, args.articles, seed=42)
    embedder = HashingEmbedder(args.dim)
    build_t, report = timed(lambda: update_index(seeds, index_dir, chunking, embedder, "hashing"))
    add_t, embed_t, n_chunks, reload_t = measure_adds(maker, seeds, index_dir, chunking, embedder, "hashing",
                                                      args.articles, args.adds)
    cold_t, cold_embed_t, cold_chunks, _ = measure_adds(maker, seeds, index_dir, chunking, embedder, "hashing",
                                                        args.articles + args.adds, args.adds, cold=True)
    e5 = {}
    if not args.skip_real:
        borrowed = BorrowedIdentity(warm_e5(args.models_dir), embedder.model_id, embedder.dim)
        e5_add, e5_embed, e5_chunks, _ = measure_adds(maker, seeds, index_dir, chunking, borrowed, "hashing",
                                                      args.articles + 2 * args.adds, args.adds)
        e5 = {"e5_add_one_s": statistics.median(e5_add), "e5_add_one_all_s": e5_add,
              "e5_embed_one_s": statistics.median(e5_embed), "e5_embed_one_all_s": e5_embed,
              "e5_chunks_per_article": e5_chunks,
              "e5_add_over_embed": statistics.median(e5_add) / statistics.median(e5_embed)}
    naive_t = naive_langchain(index_dir, embedder, args.naive_repeats) if not args.skip_naive else [float("nan")]
    add, emb, naive = statistics.median(add_t), statistics.median(embed_t), statistics.median(naive_t)
    cold = statistics.median(cold_t)
    return {"articles": args.articles, "chunks": report.total_chunks, "dim": args.dim,
            "full_build_s": build_t, "add_one_s": add, "add_one_all_s": add_t,
            "embed_one_s": emb, "embed_one_all_s": embed_t, "chunks_per_added_article": n_chunks,
            "add_one_cold_s": cold, "add_one_cold_all_s": cold_t, "embed_one_cold_all_s": cold_embed_t,
            "chunks_per_cold_article": cold_chunks,
            "naive_langchain_s": naive, "naive_all_s": naive_t,
            "add_over_embed": add / emb, "naive_over_add": naive / add,
            "cold_add_over_embed": cold / statistics.median(cold_embed_t), "naive_over_cold_add": naive / cold,
            "reload_after_add_s": statistics.median(reload_t), "reload_all_s": reload_t, **e5}


def real_part(args, paragraphs, work: Path) -> dict:
    from rag.ingest.chunking import embedding_text
    from rag.core.config import ChunkingSettings, EmbeddingSettings
    from rag.index.local.view import load_index
    from rag.ingest.update import update_index

    chunking = ChunkingSettings()
    settings = EmbeddingSettings()
    seeds, index_dir = work / "real-seeds", work / "real-index"
    maker = write_corpus(paragraphs, seeds, args.real_articles, seed=7)
    embedder = warm_e5(args.models_dir)
    build_t, report = timed(lambda: update_index(seeds, index_dir, chunking, embedder, "sentence-transformers"))
    texts = [embedding_text(c) for c in load_index(index_dir).chunks]
    model = embedder.model  # the raw SentenceTransformer, same batch size and prompt
    raw_t, _ = timed(lambda: model.encode_document(texts, batch_size=settings.batch_size,
                                                   normalize_embeddings=True, convert_to_numpy=True))
    add_t, embed_t, n_chunks, _ = measure_adds(maker, seeds, index_dir, chunking, embedder,
                                               "sentence-transformers", args.real_articles, args.adds)
    add, emb = statistics.median(add_t), statistics.median(embed_t)
    return {"articles": args.real_articles, "chunks": report.total_chunks, "model": embedder.model_id,
            "full_build_s": build_t, "raw_encode_s": raw_t, "build_over_encode": build_t / raw_t,
            "add_one_s": add, "add_one_all_s": add_t, "embed_one_s": emb, "embed_one_all_s": embed_t,
            "chunks_per_added_article": n_chunks, "add_over_embed": add / emb}


def verdict(value: float, goal: float, at_most: bool) -> str:
    if value != value:  # NaN: not measured
        return "n/a"
    ok = value <= goal if at_most else value >= goal
    return "MET" if ok else "NOT MET"


def print_table(result: dict) -> None:
    h, r = result["hashing"], result.get("real")
    rows = [
        (f"hashing-{h['dim']}: {h['articles']} articles, {h['chunks']} chunks", "", ""),
        ("  full build", f"{h['full_build_s']:.2f} s", ""),
        (f"  add one article (median of {len(h['add_one_all_s'])})", f"{h['add_one_s'] * 1000:.1f} ms", ""),
        ("  embed its chunks alone", f"{h['embed_one_s'] * 1000:.2f} ms", ""),
        (f"  add one, cold: fresh process state (median of {len(h['add_one_cold_all_s'])})",
         f"{h['add_one_cold_s'] * 1000:.1f} ms", ""),
        ("  naive LangChain FAISS.from_documents", f"{h['naive_langchain_s']:.2f} s",
         f"median of {len(h['naive_all_s'])}"),
        ("  add-one / embed-one", f"{h['add_over_embed']:.1f}x",
         f"goal <= 1.5: {verdict(h['add_over_embed'], 1.5, True)}"),
        ("  add-one cold / embed-one", f"{h['cold_add_over_embed']:.1f}x",
         f"goal <= 1.5: {verdict(h['cold_add_over_embed'], 1.5, True)}"),
        ("  naive / add-one", f"{h['naive_over_add']:.0f}x",
         f"goal >= 100: {verdict(h['naive_over_add'], 100, False)}"),
        ("  naive / add-one cold", f"{h['naive_over_cold_add']:.0f}x",
         f"goal >= 100: {verdict(h['naive_over_cold_add'], 100, False)}"),
        ("  next load after an add (merged view, warm)", f"{h['reload_after_add_s'] * 1000:.0f} ms", ""),
    ]
    if "e5_add_one_s" in h:
        rows += [
            (f"  same index, article embedded by e5 (median of {len(h['e5_add_one_all_s'])})",
             f"{h['e5_add_one_s'] * 1000:.0f} ms", ""),
            ("  e5 embedding of its chunks alone", f"{h['e5_embed_one_s'] * 1000:.0f} ms", ""),
            (f"  add-one / embed-one with e5 at {h['articles']} articles", f"{h['e5_add_over_embed']:.2f}x",
             f"goal <= 1.5: {verdict(h['e5_add_over_embed'], 1.5, True)}"),
        ]
    if r:
        rows += [
            (f"{r['model']}: {r['articles']} articles, {r['chunks']} chunks", "", ""),
            ("  full build", f"{r['full_build_s']:.2f} s", ""),
            ("  raw SentenceTransformer encode", f"{r['raw_encode_s']:.2f} s", ""),
            ("  build / raw encode", f"{r['build_over_encode']:.3f}x",
             f"goal <= 1.10: {verdict(r['build_over_encode'], 1.10, True)}"),
            (f"  add one article (median of {len(r['add_one_all_s'])})", f"{r['add_one_s'] * 1000:.0f} ms", ""),
            ("  embed its chunks alone", f"{r['embed_one_s'] * 1000:.0f} ms", ""),
            ("  add-one / embed-one", f"{r['add_over_embed']:.2f}x",
             f"goal <= 1.5: {verdict(r['add_over_embed'], 1.5, True)}"),
        ]
    width = max(len(a) for a, _, _ in rows) + 2
    print(f"load average before / after: {result['loadavg_before']} / {result['loadavg_after']}")
    for a, b, c in rows:
        print(f"{a:<{width}}{b:>12}   {c}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("xquad", type=Path, nargs="?", default=DEFAULT_XQUAD)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--adds", type=int, default=5)
    ap.add_argument("--dim", type=int, default=384, help="hashing embedder dim (e5-small is 384)")
    ap.add_argument("--naive-repeats", type=int, default=3)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--real-articles", type=int, default=200)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "index_incremental.json")
    args = ap.parse_args()

    import logging

    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars in the printed table
    logging.disable(logging.WARNING)
    paragraphs = load_paragraphs(args.xquad)
    result = {"loadavg_before": " ".join(f"{x:.2f}" for x in os.getloadavg()), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        result["hashing"] = hashing_part(args, paragraphs, Path(tmp))
        if not args.skip_real:
            result["real"] = real_part(args, paragraphs, Path(tmp))
    result["loadavg_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print_table(result)
    args.json.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
