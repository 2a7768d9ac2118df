"""`rag train-reader`: fit the extractive reader's parameters on fit data only and write
them (with the command, the data and the in-sample scores) to the parameter file."""

from __future__ import annotations

import json
import random
import shlex
import sys
from pathlib import Path

from rag.core.config import Settings
from rag.core.errors import InputError


def run_from_args(args, settings: Settings) -> int:
    from tqdm.auto import tqdm

    from rag.answer.reader.model import own_params_path
    from rag.evaluation.reader_training import collect, cross_validate, fit, load_examples, save_examples

    if not args.from_examples and (not args.xquad or not Path(args.xquad).is_file()):
        raise InputError("rag train-reader needs XQuAD-de: --xquad ../shared/benchmarks/xquad/xquad.de.json")
    work = Path(args.work or settings.paths.cache_dir / "corpora")
    # Training embeds every candidate sentence of each corpus once; keep them all.
    settings = settings.model_copy(update={"reader": settings.reader.model_copy(
        update={"sentence_cache_size": 1_000_000})})
    examples = []

    def run(assistant, questions, label):
        questions = list(questions)
        bar = tqdm(total=len(questions), desc=f"Featurising {label}", unit="q", file=sys.stderr)
        examples.extend(collect(assistant, questions, args.k, progress=lambda n: bar.update(1)))
        bar.close()

    command = ("rag " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("rag")
               else " ".join(shlex.quote(a) for a in sys.argv))
    if args.from_examples:
        examples, collected = load_examples(args.from_examples)
    else:
        collected = {**collect_all(args, settings, work, run), "collected_with": command}
        if args.save_examples:
            save_examples(args.save_examples, examples, collected)
    fit_args = {"c": args.c, "max_false_refusals": args.max_false_refusals,
                "hard_negatives": args.hard_negatives, "domain_weight": args.domain_weight,
                "objective": args.objective}
    if args.cv:
        print(json.dumps({"cross_validation": {"folds": args.cv, **fit_args},
                          "held_out_folds": cross_validate(examples, args.cv, **fit_args)}, indent=1))
        return 0
    embedder_id = collected["embedder"]
    counts = {g: sum(1 for e in examples if e.group == g) for g in sorted({e.group for e in examples})}
    model, report = fit(examples, **fit_args, meta={
        "command": command,
        # When fitted from saved examples: the run that collected them (None if unrecorded).
        "examples_collected_with": collected.get("collected_with", command),
        "embedder": embedder_id,
        "data": {"examples_per_group": counts, **collected["data"]},
    })
    out = Path(args.out or own_params_path(embedder_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"examples_per_group": counts, "in_sample": report, "threshold": model.threshold}, indent=1))
    print(f"Wrote {out}. Held-out scores: rag eval --split test (seeds), --set news, --dataset xquad --split test.")
    return 0


def collect_all(args, settings: Settings, work: Path, run) -> dict:
    """Featurise the fit data (XQuAD's fit half, with and without each article; the seeds'
    and the news set's dev splits) through `run`; returns what was used."""
    from rag.evaluation.corpora import news_assistant, seeds_assistant, xquad_assistant
    from rag.evaluation.reader_training import TrainQuestion, item_gold, span_gold, xquad_split
    from rag.evaluation.runner import load_items, select_split
    from rag.evaluation.squad_data import load_squad

    squad = load_squad(Path(args.xquad))
    split = xquad_split(q.source for q in squad.questions)
    fit_questions = [q for q in squad.questions if split[q.source] == "fit" and q.spans]
    if args.xquad_questions and args.xquad_questions < len(fit_questions):
        # A seeded sample: 26 features need hundreds of questions, not all ~600 (each costs
        # two searches and a featurisation; ~1 s on 2 cores).
        fit_questions = random.Random(20261202).sample(fit_questions, args.xquad_questions)
    xquad = xquad_assistant(settings, work, squad)
    run(xquad, [
        item for q in fit_questions for item in (
            TrainQuestion(q.qid, q.question, "xquad", span_gold(q.spans, q.source)),
            # The same question with its article filtered out of the search: a plausible
            # unanswerable, as "Unanswerables at scale" asks in the eval.
            TrainQuestion(q.qid + "-removed", q.question, "xquad-removed", None, frozenset({q.source})))
    ], "XQuAD fit half")
    seeds_items = select_split(load_items(args.questions), "dev")
    run(seeds_assistant(settings, work), [
        TrainQuestion(i["id"], i["question"], "seeds-dev", item_gold(i)) for i in seeds_items], "seeds dev")
    if args.news:
        news_items = select_split(load_items(args.news_questions), "dev")
        run(news_assistant(settings, work, Path(args.news)), [
            TrainQuestion(i["id"], i["question"], "news-dev", item_gold(i)) for i in news_items], "news dev")
    return {"embedder": xquad.embedder.model_id,
            "data": {"k": args.k, "xquad": str(args.xquad), "xquad_fit_questions": len(fit_questions),
                     "xquad_fit_articles": sorted(t for t, s in split.items() if s == "fit"),
                     "news": str(args.news) if args.news else None, "splits_used": "fit/dev only"}}
