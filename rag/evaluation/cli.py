"""`rag eval`: an eval set (`--set seeds`, the default, `news`: 10kGNAD, `followups`:
follow-up resolution, or `claims`: claim verification) or an external SQuAD-format benchmark
(`--dataset xquad|mlqa`). Every run names its split (test by default) and, unless
`--no-near-misses`, asks each answerable question again as a near miss."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.core.config import Settings
from rag.core.errors import InputError


DATASET_HINTS = {"xquad": "../shared/benchmarks/xquad/xquad.de.json",
                 "mlqa": "../shared/benchmarks/mlqa/mlqa.de.de.dev-part1.json"}


def run_from_args(args, settings: Settings) -> int:
    if args.dataset in DATASET_HINTS:
        if not args.path or not Path(args.path).is_file():
            raise InputError(f"--dataset {args.dataset} needs --path to its SQuAD-format JSON file, "
                             f"e.g. {DATASET_HINTS[args.dataset]}")
        from rag.evaluation.squad import run_squad_benchmark

        return run_squad_benchmark(Path(args.path), settings, mode=args.mode or "all",
                                   out_dir=Path(args.out or settings.paths.eval_results_dir), limit=args.limit,
                                   split=getattr(args, "split", "test"), dataset=args.dataset,
                                   near_misses=getattr(args, "near_misses", True),
                                   answer_sample=getattr(args, "answer_sample", None))
    if getattr(args, "set", "seeds") == "followups":
        from rag.evaluation.followups import run

        return run(args, settings)
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
    from rag.evaluation.provenance import collect

    provenance = collect(assistant, [questions, args.path if eval_set == "news" else None])
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
    rounds, near_meta = None, {}
    if getattr(args, "near_misses", True) and not use_oracle:
        # Oracle passages are the gold chunks: a near miss has none, so oracle runs skip them.
        from rag.evaluation.nearmiss import GoldQuestion
        from rag.evaluation.nearmiss_eval import exclusion_summary, near_miss_items, plan

        rounds, excluded = plan(assistant, [GoldQuestion.from_item(i) for i in items if i["type"] != "unanswerable"],
                                settings.paths.cache_dir / "corpora" / f"{eval_set}-{split}-nearmiss")
        items = items + near_miss_items(rounds)
        near_meta = {"near_miss_rounds": len(rounds.rounds), "near_miss_excluded": exclusion_summary(excluded)}
    from rag.evaluation.nearmiss_eval import asker

    bar = tqdm(total=len(items), desc="Evaluating", unit="q", file=sys.stderr)
    result = run_eval(
        None, items, ask_item=asker(lambda a, q, where: a.ask(q, passages=oracle.get(q), where=where).to_json(),
                                    assistant, rounds),
        progress=lambda done, total, row: bar.update(1),
        meta={"llm": settings.llm.backend, "llm_model": settings.llm.model,
              "embedder": assistant.embedder.model_id, "index_embedder": assistant.index_embedder.model_id,
              "retrieval": settings.retrieval.model_dump(),
              "reader_params": assistant.reader.params_file, "questions": str(args.questions),
              "set": eval_set, "split": split, **passages_meta, **near_meta,
              **({"judge": judge.name} if judge else {})},
        judge=judge,
    )
    bar.close()
    if assistant.index().version != provenance["index_version"]:  # a rebuild during the run
        provenance["index_version_end"] = assistant.index().version
    # One directory per run: the next run of the same set and split compares with it.
    from rag.evaluation.runs import change_summary, new_run_dir

    out = new_run_dir(args.out or settings.paths.eval_results_dir, eval_set, settings.llm.backend, split,
                      "oracle" if use_oracle else "")
    paths = write_report(result, out, compare_to=args.compare, provenance=provenance)
    print(format_table(result, compare_to=paths["report"]["previous"]))
    if use_oracle:
        print("\nPassages: oracle (the chunks that hold each gold answer), so retrieval metrics "
              f"are not measured; no oracle chunk for: {', '.join(passages_meta['oracle_missing']) or 'none'}")
    print(f"\n{change_summary(paths['report'])}")
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['chart']}")
    print(f"Report: {paths['html']}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `rag eval` (beside the common ones of rag.cli)."""
    p.add_argument("--llm")
    p.add_argument("--llm-model")
    p.add_argument("--base-url")
    p.add_argument("--k", type=int)
    p.add_argument("--set", choices=["seeds", "news", "followups", "claims"], default="seeds",
                   help="seeds: the seed articles' questions; news: 10kGNAD's (needs --path to test.csv); "
                        "followups: two-turn conversations, follow-up resolution; "
                        "claims: claim verification on constructed claims (--path to test.csv for its news rows)")
    p.add_argument("--live", action="store_true",
                   help="followups: also ask the seeds conversations end to end and score the answers")
    p.add_argument("--questions", type=Path, help="questions file (default: the set's)")
    p.add_argument("--out", type=Path, help="results directory, one folder per run (default: evals/results)")
    p.add_argument("--compare", type=Path,
                   help="a run folder to compare with (default: the newest earlier run of the same set and split)")
    p.add_argument("--judge", metavar="NAME",
                   help="LLM backend that judges faithfulness (local, openai-compatible, langchain)")
    p.add_argument("--dataset", choices=["seeds", "xquad", "mlqa"], default="seeds",
                   help="xquad: XQuAD-de, a document per article; mlqa: MLQA-de part 1, a document per paragraph")
    p.add_argument("--path", type=Path,
                   help="SQuAD-format JSON for --dataset xquad|mlqa; 10kGNAD test.csv for --set news")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid", "all"])
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--split", choices=["test", "dev", "all"], default="test",
                   help="test (default): the frozen held-out questions; dev: the ones to tune on")
    p.add_argument("--passages", choices=["retrieved", "oracle"], default="retrieved",
                   help="oracle: answer from the chunks that hold the gold answer (reader ceiling)")
    p.add_argument("--answer-sample", type=int, metavar="N",
                   help="--dataset xquad|mlqa: answer an evenly spaced sample of N questions of the split "
                        "(default 300); retrieval is scored on all")
    p.add_argument("--near-misses", action=argparse.BooleanOptionalAction, default=True,
                   help="also ask each answerable question with the sentences holding its answer removed "
                        "(should be refused; indexed once per set under the cache dir)")
