"""Source-level retrieval quality per mode on the repo's eval set (evals/questions.jsonl).

    python benchmarks/seed_retrieval.py                      # current defaults
    python benchmarks/seed_retrieval.py --fusion rrf --rrf-k 60 --bm25-weight 1   # old defaults

Retrieves the top 10 chunks per answerable question with dense, bm25 and hybrid over the
live index (`rag index` first) and scores hit@1 and MRR@10 on distinct sources, overall and
per question type. `retrieval_table` is shared with benchmarks/crosslingual.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.text.language import detect_language  # noqa: E402
from rag.evaluation.metrics import hit_at_k, mean, mrr  # noqa: E402

MODES = ("dense", "bm25", "hybrid")


def add_retrieval_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    for name, kind in (("fusion", str), ("rrf-k", int), ("dense-weight", float),
                       ("bm25-weight", float), ("cross-lingual-bm25-weight", float), ("candidates", int)):
        parser.add_argument(f"--{name}", type=kind)


def make_retriever(args):
    from rag.assistant import Assistant
    from rag.core.config import load_settings
    from rag.retrieval.retriever import Retriever

    overrides = {k: getattr(args, k) for k in ("fusion", "rrf_k", "dense_weight", "bm25_weight",
                                                "cross_lingual_bm25_weight", "candidates")
                 if getattr(args, k) is not None}
    settings = load_settings(paths={"index_dir": args.index, "models_dir": ROOT / "models"},
                             retrieval=overrides)
    assistant = Assistant.from_settings(settings)
    return Retriever(assistant.index(), assistant.embedder, settings.retrieval), settings.retrieval


def score(retriever, items: list[dict]) -> dict[str, dict[str, float]]:
    """{mode: {"hit@1": .., "hit@3": .., "mrr@10": ..}} over `items` (question + sources)."""
    out = {}
    for mode in MODES:
        h1, h3, rr = [], [], []
        for item in items:
            sources = [h.chunk.source for h in retriever.search(item["question"], detect_language(item["question"]), k=10, mode=mode)]
            h1.append(hit_at_k(sources, item["sources"], 1))
            h3.append(hit_at_k(sources, item["sources"], 3))
            rr.append(mrr(sources, item["sources"], 10))
        out[mode] = {"hit@1": mean(h1) or 0.0, "hit@3": mean(h3) or 0.0, "mrr@10": mean(rr) or 0.0}
    return out


def retrieval_table(rows: dict[str, dict[str, dict[str, float]]], counts: dict[str, int]) -> str:
    lines = [f"{'group':<14}{'n':>4}" + "".join(
        f"{m + ' h@1':>13}{m + ' h@3':>13}{m + ' MRR':>13}" for m in MODES)]
    for group, res in rows.items():
        lines.append(f"{group:<14}{counts[group]:>4}" + "".join(
            f"{res[m]['hit@1']:>13.3f}{res[m]['hit@3']:>13.3f}{res[m]['mrr@10']:>13.3f}" for m in MODES))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    add_retrieval_args(parser)
    args = parser.parse_args()
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    items = [i for i in items if i["sources"]]  # unanswerable questions have no gold source
    retriever, settings = make_retriever(args)
    groups = {"all": items}
    for item in items:
        groups.setdefault(item["type"], []).append(item)
    rows = {g: score(retriever, its) for g, its in groups.items()}
    print(f"settings: {settings.model_dump()}")
    print(retrieval_table(rows, {g: len(its) for g, its in groups.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
