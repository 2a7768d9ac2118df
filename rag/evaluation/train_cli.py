"""`rag train-reader`: fit the extractive reader's parameters on fit data only and write
them (with the command, the data and the in-sample scores) to the parameter file."""

from __future__ import annotations

import argparse
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
    from rag.evaluation.reader_examples import collect, load_examples, save_examples
    from rag.evaluation.reader_training import cross_validate, fit

    if not args.from_examples and args.xquad_base and (not args.xquad or not Path(args.xquad).is_file()):
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
        if args.save_examples and examples:  # kept as it grows: a long collection can stop early
            save_examples(args.save_examples, examples, {"embedder": assistant.embedder.model_id, "data": {},
                                                         "collected_with": command, "partial": True})

    command = ("rag " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("rag")
               else " ".join(shlex.quote(a) for a in sys.argv))
    if args.from_examples:
        examples, collected, commands = [], {}, []
        for path in args.from_examples:  # several collections add up (the first one's header leads)
            more, header = load_examples(path)
            examples += more
            collected = collected or header
            commands.append(header.get("collected_with"))
        collected = {**collected, "collected_with": commands[0] if len(commands) == 1 else commands}
    else:
        collected = {**collect_all(args, settings, work, run), "collected_with": command} if args.xquad_base else {
            "embedder": None, "data": {}, "collected_with": command}
        if args.near_misses and not args.xquad_base:  # only near misses (collect_all has its own)
            from rag.evaluation.nearmiss_fit import collect_near_misses

            collected["data"] = {**collected["data"], "near_misses": collect_near_misses(args, settings, work, run)}
            collected["embedder"] = collected["embedder"] or settings.embedding.model
        if args.save_examples:
            save_examples(args.save_examples, examples, collected)
    fit_args = {"c": args.c, "max_false_refusals": args.max_false_refusals,
                "hard_negatives": args.hard_negatives, "domain_weight": args.domain_weight,
                "objective": args.objective}
    if args.collect_judge:
        from rag.evaluation.judge_scores import collect_from_args

        return collect_from_args(args, settings, examples)
    judge = json.loads(Path(args.judge_scores).read_text(encoding="utf-8")) if args.judge_scores else None
    if args.cv:
        if args.answerability:
            from rag.evaluation.answerability_fit import build_pool
            from rag.evaluation.answerability_fit import cross_validate as cv_answerability

            base, _ = _sentence_model(args, examples, fit_args)
            report = {}
            if args.answerability != "keep":
                report["answerability"] = cv_answerability(build_pool(examples, base, args.domain_weight),
                                                           args.answerability, args.cv, args.max_false_refusals)
            if judge:
                from dataclasses import replace

                pool, kind = build_pool(examples, base, args.domain_weight, judge), _judged_kind(args)
                judged_fr = args.judged_max_false_refusals or args.max_false_refusals
                report["answerability_judged"] = cv_answerability(pool, kind, args.cv, judged_fr)
                # The same rows and model without the verdict: what the judge adds, on equal terms.
                report["same_rows_without_judge"] = cv_answerability(replace(pool, x=pool.x[:, :-1]), kind, args.cv,
                                                                     judged_fr)
            print(json.dumps({"cross_validation": {"folds": args.cv, **fit_args}, **report}, indent=1))
            return 0
        print(json.dumps({"cross_validation": {"folds": args.cv, **fit_args},
                          "held_out_folds": cross_validate(examples, args.cv, **fit_args)}, indent=1))
        return 0
    embedder_id = collected["embedder"]
    counts = {g: sum(1 for e in examples if e.group == g) for g in sorted({e.group for e in examples})}
    model, report = _sentence_model(args, examples, fit_args, meta={
        "command": command,
        # When fitted from saved examples: the run that collected them (None if unrecorded).
        "examples_collected_with": collected.get("collected_with", command),
        "embedder": embedder_id,
        "data": {"examples_per_group": counts, **collected["data"]},
    })
    if args.answerability:
        from dataclasses import replace

        from rag.answer.reader.model import load_model
        from rag.evaluation.answerability_fit import add_judged, recalibrate, refit_answerability

        if args.answerability == "keep":  # the decision of --sentence-from's file, only the confidence fitted
            kept = load_model(Path(args.sentence_from))
            model, held = recalibrate(replace(model, answerability=kept.answerability, threshold=kept.threshold),
                                      examples, args.domain_weight)
        else:
            model, held = refit_answerability(model, examples, args.answerability, args.max_false_refusals,
                                              args.domain_weight)
        if judge:  # beside the decision; with keep, reader.judge=none reads nothing new
            model, held["answerability_judged"] = add_judged(
                model, examples, _judged_kind(args), judge, args.judged_max_false_refusals or args.max_false_refusals,
                args.domain_weight)
            held["answerability_judged"]["judge_scores"] = str(args.judge_scores)
        model = replace(model, meta={**model.meta, "held_out": held, "sentence_from": args.sentence_from and str(
            args.sentence_from)})
        report = {"in_sample": report, "held_out": held}
    out = Path(args.out or own_params_path(embedder_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"examples_per_group": counts, "in_sample": report, "threshold": model.threshold}, indent=1))
    print(f"Wrote {out}. Held-out scores: rag eval --split test (seeds), --set news, --dataset xquad --split test.")
    return 0


def _judged_kind(args) -> str:
    """The judged answerability's model: --judged-kind, else --answerability's (not "keep")."""
    kind = args.judged_kind or (args.answerability if args.answerability != "keep" else None)
    if kind is None:
        raise InputError("--answerability keep with --judge-scores needs --judged-kind logistic|trees "
                         "(the model the judge's verdicts are fitted with).")
    return kind


def _sentence_model(args, examples, fit_args, meta: dict | None = None):
    """`fit` on the examples, or with --sentence-from, that file's sentence model kept as it
    is (so only the answerability decision changes) and `fit`'s answerability beside it."""
    from dataclasses import replace

    from rag.answer.reader.model import load_model
    from rag.evaluation.reader_training import fit, score

    model, report = fit(examples, **fit_args, meta=meta)
    if args.sentence_from:
        model = replace(model, sentence=load_model(Path(args.sentence_from)).sentence)
        report = score(model, examples)
    return model, report


def near_miss_run(run, base, questions: list, group: str, work: Path, enabled: bool) -> dict:
    """Featurise the near misses of `questions` (GoldQuestion) over `base`'s corpus, round by
    round (nearmiss_corpus), as group `group`: unanswerable by construction. Returns how many
    were collected and how many questions had no clean near miss."""
    if not enabled:
        return {}
    from rag.evaluation.nearmiss_eval import exclusion_summary, plan
    from rag.evaluation.reader_examples import TrainQuestion

    rounds, excluded = plan(base, questions, work / f"{group}-train")
    for r, (assistant, members) in enumerate(rounds):
        run(assistant, [TrainQuestion(nm.qid, nm.question, group, None, where.exclude_sources)
                        for nm, where in members], f"{group} {r + 1}/{len(rounds.rounds)}")
    summary = exclusion_summary(excluded)
    return {group: {"near_misses": sum(len(m) for m in rounds.rounds), "rounds": len(rounds.rounds),
                    "excluded": summary["n"], "excluded_by_reason": summary["by_reason"]}}


def collect_all(args, settings: Settings, work: Path, run) -> dict:
    """Featurise the fit data through `run`: XQuAD's fit half (each question with its
    article, without it, and as a near miss), MLQA part 1's dev half (with `--mlqa`), and the
    seeds' and the news set's dev splits, each answerable question also as a near miss
    (`--no-near-misses` leaves those out); returns what was used."""
    from rag.evaluation.corpora import news_assistant, seeds_assistant, squad_assistant, xquad_assistant
    from rag.evaluation.nearmiss import GoldQuestion
    from rag.evaluation.reader_examples import TrainQuestion, item_gold, span_gold, xquad_split
    from rag.evaluation.runner import load_items, select_split
    from rag.evaluation.squad_data import load_squad

    near = getattr(args, "near_misses", True)
    near_data: dict = {}

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
    near_data.update(near_miss_run(run, xquad, [GoldQuestion(q.qid, q.question, q.answers, (q.source,), q.spans)
                                                for q in fit_questions], "xquad-nearmiss", work, near))
    mlqa_dev: list = []
    if getattr(args, "mlqa", None):
        mlqa = load_squad(Path(args.mlqa), per_paragraph=True)
        halves = xquad_split(q.source for q in mlqa.questions)
        mlqa_dev = [q for q in mlqa.questions if halves[q.source] == "fit" and q.spans]  # = rag eval --split dev
        mlqa_assistant = squad_assistant(settings, work, mlqa, "mlqa")
        run(mlqa_assistant, [TrainQuestion(q.qid, q.question, "mlqa-dev", span_gold(q.spans, q.source))
                             for q in mlqa_dev], "MLQA dev")
        near_data.update(near_miss_run(run, mlqa_assistant, [
            GoldQuestion(q.qid, q.question, q.answers, (q.source,), q.spans) for q in mlqa_dev],
            "mlqa-dev-nearmiss", work, near))
    seeds_items = select_split(load_items(args.questions), "dev")
    seeds = seeds_assistant(settings, work)
    run(seeds, [TrainQuestion(i["id"], i["question"], "seeds-dev", item_gold(i)) for i in seeds_items], "seeds dev")
    near_data.update(near_miss_run(run, seeds, [GoldQuestion.from_item(i) for i in seeds_items
                                                if i["type"] != "unanswerable"], "seeds-dev-nearmiss", work, near))
    if args.news:
        news_items = select_split(load_items(args.news_questions), "dev")
        news = news_assistant(settings, work, Path(args.news))
        run(news, [TrainQuestion(i["id"], i["question"], "news-dev", item_gold(i)) for i in news_items], "news dev")
        near_data.update(near_miss_run(run, news, [GoldQuestion.from_item(i) for i in news_items
                                                   if i["type"] != "unanswerable"], "news-dev-nearmiss", work, near))
    return {"embedder": xquad.embedder.model_id,
            "data": {"k": args.k, "xquad": str(args.xquad), "xquad_fit_questions": len(fit_questions),
                     "xquad_fit_articles": sorted(t for t, s in split.items() if s == "fit"),
                     "mlqa": str(args.mlqa) if getattr(args, "mlqa", None) else None,
                     "mlqa_dev_questions": len(mlqa_dev), "near_misses": near_data,
                     "news": str(args.news) if args.news else None, "splits_used": "fit/dev only"}}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `rag train-reader` (beside the common ones of rag.cli)."""
    p.add_argument("--xquad", type=Path, help="XQuAD-de (SQuAD JSON); its fit half of the articles is used")
    p.add_argument("--news", type=Path, help="10kGNAD test.csv: adds the news set's dev questions")
    p.add_argument("--mlqa", type=Path, help="MLQA-de part 1 (SQuAD JSON): adds its dev half (by paragraph)")
    p.add_argument("--near-misses", action=argparse.BooleanOptionalAction, default=True,
                   help="also collect each answerable fit question as a near miss (its answer sentences "
                        "removed, the rest indexed): groups '<group>-nearmiss', unanswerable")
    p.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"), help="seed eval set (dev split)")
    p.add_argument("--news-questions", type=Path, default=Path("evals/news/questions.jsonl"))
    p.add_argument("--k", type=int, default=5, help="passages retrieved per question, as at answer time")
    p.add_argument("--xquad-questions", type=int, default=400,
                   help="a seeded sample of this many XQuAD fit-half questions (0 = all)")
    # The defaults fit the shipped parameter file. The listwise variant beside it was fitted
    # with --objective listwise --domain-weight 10 --hard-negatives --max-false-refusals 0.1,
    # chosen by `--cv 5` on the fit data (evals/README.md has both variants' held-out scores).
    p.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of both logistic models")
    p.add_argument("--max-false-refusals", type=float, default=0.05,
                   help="the threshold refuses at most this share of the fit questions the passages answer")
    p.add_argument("--work", type=Path, help="where the corpora's indexes live (default: the cache dir)")
    p.add_argument("--out", type=Path, help="parameter file (default: the one in the package)")
    p.add_argument("--hard-negatives", action=argparse.BooleanOptionalAction, default=False,
                   help="also teach answerability each answerable question without its gold sentences")
    p.add_argument("--domain-weight", type=float, default=1.0,
                   help="weight of a seeds/news dev question against an XQuAD one")
    p.add_argument("--objective", choices=["listwise", "pointwise"], default="pointwise",
                   help="how the sentence model is fitted (listwise: softmax over each question's candidates)")
    p.add_argument("--save-examples", type=Path, help="keep the featurised fit data here (.npz)")
    p.add_argument("--from-examples", type=Path, nargs="+", help="fit from saved examples instead of collecting")
    p.add_argument("--seeds-near-misses", action=argparse.BooleanOptionalAction, default=True,
                   help="with --near-misses: the seeds dev split's near misses too")
    p.add_argument("--xquad-base", action=argparse.BooleanOptionalAction, default=True,
                   help="collect the base examples (collect_all); --no-xquad-base collects only near misses "
                        "(rag/evaluation/nearmiss_fit.py: XQuAD's sample, MLQA's fit half with --mlqa, the dev splits)")
    p.add_argument("--answerability", choices=["logistic", "trees", "keep"],
                   help="fit the answerability decision on near misses (each answerable question without its "
                        "gold sentences) with held-out threshold and confidence (rag/evaluation/answerability_fit.py); "
                        "keep: --sentence-from's decision as it is, only the answer confidence fitted")
    p.add_argument("--sentence-from", type=Path,
                   help="keep the sentence model of this parameter file (only the answerability is fitted)")
    p.add_argument("--judge-scores", type=Path,
                   help="JSON {example id: judge verdict} (--collect-judge): also fit the judged answerability")
    p.add_argument("--judged-kind", choices=["logistic", "trees"],
                   help="with --judge-scores: the judged answerability's model (default: --answerability's; "
                        "needed with --answerability keep, which then adds only the judged decision)")
    p.add_argument("--judged-max-false-refusals", type=float,
                   help="with --judge-scores: the judged threshold refuses at most this share of the answerable "
                        "fit questions on held-out folds (default: --max-false-refusals)")
    p.add_argument("--collect-judge", type=Path, metavar="FILE",
                   help="only write the local judge's verdicts on the examples (and their gold-less variants) "
                        "to FILE, resumable; the best sentence by --sentence-from's (or the shipped) model")
    p.add_argument("--judge-sample", type=int, default=0,
                   help="with --collect-judge: judge a seeded sample of this many XQuAD/MLQA questions (0 = all)")
    p.add_argument("--judge-sample-in-domain", type=int, default=0,
                   help="with --collect-judge: judge a seeded sample of this many seeds/news dev questions (0 = all)")
    p.add_argument("--cv", type=int, default=0, metavar="K",
                   help="only print grouped K-fold scores on the fit data (to compare settings), write nothing")
