"""`rag eval`: the seed eval set (default) or an external SQuAD-format benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

from rag.config import Settings
from rag.errors import InputError


def run_from_args(args, settings: Settings) -> int:
    if args.dataset == "xquad":
        if not args.path:
            raise InputError("--dataset xquad needs --path to a SQuAD-format JSON file, "
                             "e.g. ../shared/benchmarks/xquad/xquad.de.json")
        from rag.evaluation.squad import run_squad_benchmark

        return run_squad_benchmark(Path(args.path), settings, mode=args.mode or "all",
                                   out_dir=Path(args.out), limit=args.limit)
    return run_seed_eval(args, settings)


def run_seed_eval(args, settings: Settings) -> int:
    from tqdm.auto import tqdm

    from rag.assistant import Assistant
    from rag.evaluation.report import format_table, write_report
    from rag.evaluation.runner import load_items, run_eval

    items = load_items(args.questions)
    if args.limit:
        items = items[: args.limit]
    judge = None
    if getattr(args, "judge", None):
        from rag.evaluation.judge import make_judge

        judge = make_judge(args.judge, settings)  # before the run: a bad name fails at once
    assistant = Assistant.from_settings(settings)
    assistant.index()  # fail fast with "run rag index" before asking 70 questions
    bar = tqdm(total=len(items), desc="Evaluating", unit="q", file=sys.stderr)
    result = run_eval(
        lambda q: assistant.ask(q).to_json(), items,
        progress=lambda done, total, row: bar.update(1),
        meta={"llm": settings.llm.backend, "llm_model": settings.llm.model,
              "embedder": assistant.embedder.model_id, "retrieval": settings.retrieval.model_dump(),
              "questions": str(args.questions), **({"judge": judge.name} if judge else {})},
        judge=judge,
    )
    bar.close()
    # One directory per run, so earlier reports stay around to --compare against.
    import time

    out = Path(args.out) / f"{time.strftime('%Y%m%d-%H%M%S')}-{settings.llm.backend}"
    paths = write_report(result, out, compare_to=args.compare)
    print(format_table(result, compare_to=args.compare))
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['chart']}")
    return 0
