"""`rag eval`: an eval set (`--set seeds`, the default, `news`: 10kGNAD, or `claims`: claim
verification) or an external
SQuAD-format benchmark (`--dataset xquad`). Every run names its split (test by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.core.config import Settings
from rag.core.errors import InputError


def run_from_args(args, settings: Settings) -> int:
    if args.dataset == "xquad":
        if not args.path:
            raise InputError("--dataset xquad needs --path to a SQuAD-format JSON file, "
                             "e.g. ../shared/benchmarks/xquad/xquad.de.json")
        from rag.evaluation.squad import run_squad_benchmark

        return run_squad_benchmark(Path(args.path), settings, mode=args.mode or "all",
                                   out_dir=Path(args.out), limit=args.limit,
                                   split=getattr(args, "split", "test"))
    if getattr(args, "set", "seeds") == "claims":
        from rag.evaluation.claims import run_claims_eval

        return run_claims_eval(args, settings)
    return run_seed_eval(args, settings)


def run_seed_eval(args, settings: Settings) -> int:
    from tqdm.auto import tqdm

    from rag.assistant import Assistant
    from rag.evaluation.report import format_table, write_report
    from rag.evaluation.runner import load_items, run_eval, select_split

    split = getattr(args, "split", "test")
    eval_set = getattr(args, "set", "seeds")
    questions = args.questions or Path("evals/news/questions.jsonl" if eval_set == "news" else "evals/questions.jsonl")
    args.questions = questions
    items = select_split(load_items(questions), split)
    if not items:
        raise InputError(f"{args.questions} has no questions in split {split!r}.")
    if args.limit:
        items = items[: args.limit]
    judge = None
    if getattr(args, "judge", None):
        from rag.evaluation.judge import make_judge

        judge = make_judge(args.judge, settings)  # before the run: a bad name fails at once
    if eval_set == "news":
        from rag.evaluation.corpora import news_assistant

        assistant = news_assistant(settings, settings.paths.cache_dir / "corpora", args.path)
    else:
        assistant = Assistant.from_settings(settings)
    index = assistant.index()  # fail fast with "run rag index" before asking 70 questions
    oracle, passages_meta = {}, {}
    use_oracle = getattr(args, "passages", "retrieved") == "oracle"
    if use_oracle:
        from rag.answer.analysis import analyze_question
        from rag.evaluation.oracle import oracle_for_items
        from rag.retrieval.retriever import Retriever

        retriever = Retriever(index, assistant.embedder, settings.retrieval)
        # k = the index size: every chunk, best first.
        oracle, missing = oracle_for_items(items, lambda q: [
            h.chunk for h in retriever.search_question(analyze_question(q), k=index.size)])
        # An answerable item whose gold string no single chunk holds keeps retrieval; the
        # run lists it.
        passages_meta = {"passages": "oracle", "oracle_missing": missing}
    bar = tqdm(total=len(items), desc="Evaluating", unit="q", file=sys.stderr)
    result = run_eval(
        lambda q: assistant.ask(q, passages=oracle.get(q)).to_json(), items,
        progress=lambda done, total, row: bar.update(1),
        meta={"llm": settings.llm.backend, "llm_model": settings.llm.model,
              "embedder": assistant.embedder.model_id, "index_embedder": assistant.index_embedder.model_id,
              "retrieval": settings.retrieval.model_dump(),
              "reader_params": assistant.reader.params_file, "questions": str(args.questions),
              "set": eval_set, "split": split, **passages_meta,
              **({"judge": judge.name} if judge else {})},
        judge=judge,
    )
    bar.close()
    # One directory per run, so earlier reports stay around to --compare against.
    import time

    suffix = "-oracle" if use_oracle else ""
    out = Path(args.out) / f"{time.strftime('%Y%m%d-%H%M%S')}-{eval_set}-{settings.llm.backend}-{split}{suffix}"
    paths = write_report(result, out, compare_to=args.compare)
    print(format_table(result, compare_to=args.compare))
    if use_oracle:
        print("\nPassages: oracle (the chunks that hold each gold answer), so retrieval metrics "
              f"are not measured; no oracle chunk for: {', '.join(passages_meta['oracle_missing']) or 'none'}")
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['chart']}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `rag eval` (beside the common ones of rag.cli)."""
    p.add_argument("--llm")
    p.add_argument("--llm-model")
    p.add_argument("--base-url")
    p.add_argument("--k", type=int)
    p.add_argument("--set", choices=["seeds", "news", "claims"], default="seeds",
                   help="seeds: the seed articles' questions; news: 10kGNAD's (needs --path to test.csv); "
                        "claims: claim verification on constructed claims (--path to test.csv for its news rows)")
    p.add_argument("--questions", type=Path, help="questions file (default: the set's)")
    p.add_argument("--out", type=Path, default=Path("evals/results"))
    p.add_argument("--compare", type=Path)
    p.add_argument("--judge", metavar="NAME",
                   help="LLM backend that judges faithfulness (local, openai-compatible, langchain)")
    p.add_argument("--dataset", choices=["seeds", "xquad"], default="seeds")
    p.add_argument("--path", type=Path, help="SQuAD-format JSON for --dataset xquad; 10kGNAD test.csv for --set news")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid", "all"])
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--split", choices=["test", "dev", "all"], default="test",
                   help="test (default): the frozen held-out questions; dev: the ones to tune on")
    p.add_argument("--passages", choices=["retrieved", "oracle"], default="retrieved",
                   help="oracle: answer from the chunks that hold the gold answer (reader ceiling)")
