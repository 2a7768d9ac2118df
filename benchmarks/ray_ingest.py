"""`rag index` in one process vs on a local Ray with N embedding workers, on a slice of the
10kGNAD test set (read from its path; the articles are written to a temp dir, never into the
repo). A script, not a test.

    python benchmarks/ray_ingest.py --csv /work/shared/benchmarks/10kgnad/test.csv --articles 300

Both runs build a fresh local-store index from the same files with the installed e5 embedder
(`--models-dir`). The Ray run's time includes starting the local Ray (`ray.init`), the
pipeline (read, clean, chunk on tasks; embed on an actor pool, each actor loading the model
once) and publishing; "ray.init" is also reported alone. Chunk ids are checked equal.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def write_articles(csv_path: Path, seeds: Path, n: int) -> int:
    seeds.mkdir(parents=True)
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh, delimiter=";", quotechar="'")
        count = 0
        for label, text in rows:
            if count >= n:
                break
            (seeds / f"{count:05d}_{label.lower()}.txt").write_text(text.strip() + "\n", encoding="utf-8")
            count += 1
    return count


def build(seeds: Path, index: Path, models: Path, runner: str, workers: int, cpus: int) -> dict:
    from rag.assistant import Assistant
    from rag.core.config import load_settings

    settings = load_settings(paths={"seeds_dir": seeds, "index_dir": index, "models_dir": models},
                             ray={"workers": workers, "num_cpus": cpus})
    assistant = Assistant.from_settings(settings)
    _ = assistant.embedder  # loaded before timing in both runs: the driver needs it either way
    started = time.perf_counter()
    init = 0.0
    if runner == "ray":
        from rag.ingest.ray_runtime import ray_session

        t = time.perf_counter()
        with ray_session(settings.ray):
            init = time.perf_counter() - t
            report = assistant.rebuild(runner="ray")
    else:
        report = assistant.rebuild()
    seconds = time.perf_counter() - started
    view = assistant.index()
    return {"runner": runner, "workers": workers if runner == "ray" else 1, "documents": len(view.manifest.documents),
            "chunks": report.embedded_chunks, "seconds": round(seconds, 1), "ray_init_s": round(init, 1),
            "chunks_per_s": round(report.embedded_chunks / seconds, 2), "chunk_ids": [c.chunk_id for c in view.chunks]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=Path("/work/shared/benchmarks/10kgnad/test.csv"))
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--models-dir", type=Path, default=Path("models"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cpus", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        seeds = Path(tmp) / "seeds"
        n = write_articles(args.csv, seeds, args.articles)
        results = [build(seeds, Path(tmp) / f"index-{r}", args.models_dir.resolve(), r, args.workers, args.cpus)
                   for r in ("local", "ray")]
    same = results[0].pop("chunk_ids") == results[1].pop("chunk_ids")
    for r in results:
        print(json.dumps({"articles": n, **r}))
    print(json.dumps({"same_chunk_ids": same, "ray_vs_local": round(results[0]["seconds"] / results[1]["seconds"], 2)}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
