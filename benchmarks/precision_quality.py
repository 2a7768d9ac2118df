"""Does int8 keep retrieval quality? XQuAD-de retrieval over an index built at fp32 and one
built at int8, with fp32 questions in both (int8 is a build precision; see
EmbeddingSettings.precision). Issue "Fast starts and fast indexing": int8 is chosen only if
hit@5 and MRR@10 stay within 0.005 of fp32.

Usage (from the repo root, after `rag models install e5`):
    python benchmarks/precision_quality.py [--xquad /work/shared/benchmarks/xquad/xquad.de.json]

Indexes all 48 XQuAD-de articles once per precision and runs every question (1,190) in
dense, bm25 and hybrid mode through `rag.evaluation.squad.benchmark` (retrieval only, no
answers). Prints hit@1, hit@5 and MRR@10 per mode and precision, the int8 - fp32
differences, and whether each stays within the tolerance. bm25 does not embed, so it is a
check that both runs saw the same chunks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TOLERANCE = 0.005
METRICS = ("hit@1", "hit@5", "mrr@10")


def main() -> None:
    from rag.core.config import load_settings
    from rag.evaluation.squad import MODES, benchmark
    from rag.evaluation.squad_data import load_squad

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xquad", type=Path, default=Path("/work/shared/benchmarks/xquad/xquad.de.json"))
    ap.add_argument("--limit", type=int, help="only the first N questions")
    args = ap.parse_args()
    squad = load_squad(args.xquad, limit=args.limit)
    results = {}
    for precision in ("fp32", "int8"):
        settings = load_settings(embedding={"backend": "onnx", "precision": precision})
        with tempfile.TemporaryDirectory(prefix=f"rag-precision-{precision}-") as tmp:
            results[precision] = benchmark(squad, settings, list(MODES), Path(tmp), answer_sample=0)
        print(f"{precision}: {results[precision]['n_questions']} questions, "
              f"{results[precision]['n_chunks']} chunks", flush=True)
    print(f"\n{'mode':8} {'metric':7} {'fp32':>7} {'int8':>7} {'diff':>8}  within {TOLERANCE}")
    for mode in MODES:
        for metric in METRICS:
            a = results["fp32"]["retrieval"][mode][metric]
            b = results["int8"]["retrieval"][mode][metric]
            print(f"{mode:8} {metric:7} {a:7.4f} {b:7.4f} {b - a:+8.4f}  {'yes' if abs(b - a) <= TOLERANCE else 'NO'}")


if __name__ == "__main__":
    main()
