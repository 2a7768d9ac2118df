"""Near misses as fit data (`rag train-reader --near-misses`): each answerable fit question
asked again of its sources with the sentences holding its answer cut out, the rest still
indexed (SQuAD 2.0 style, made by `rag.evaluation.nearmiss` exactly as `rag eval` makes
them), featurised as the reader sees it and labelled unanswerable. Also MLQA's fit half
(`--mlqa`): its answerable questions (group "mlqa") and their near misses.

Only fit data: XQuAD's fit half (the same seeded sample as the base examples), the seeds'
and the news set's dev splits, MLQA's fit half of the paragraphs.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

from rag.evaluation.nearmiss import GoldQuestion
from rag.evaluation.reader_examples import TrainQuestion, item_gold, span_gold, xquad_split


def near_miss_questions(base, questions: list[GoldQuestion], work: Path, group: str):
    """(round's Assistant, [TrainQuestion]) per round of the questions' clean near misses."""
    from rag.evaluation.nearmiss_eval import plan

    rounds, _ = plan(base, questions, work)
    for assistant, members in rounds:
        yield assistant, [TrainQuestion(nm.qid, nm.question, group + "-nearmiss", None, where.exclude_sources)
                          for nm, where in members]


def squad_fit_questions(squad, sample: int | None = None) -> list:
    """The questions of a SQuAD-format set's fit half (`xquad_split`), a seeded sample."""
    split = xquad_split(q.source for q in squad.questions)
    out = [q for q in squad.questions if split[q.source] == "fit" and q.spans]
    if sample and sample < len(out):
        out = random.Random(20261202).sample(out, sample)
    return out


def gold(q, split: str = "dev") -> GoldQuestion:
    return GoldQuestion(q.qid, q.question, q.answers, (q.source,), q.spans, (), split)


def collect_near_misses(args, settings, work: Path, run: Callable) -> dict:
    """Featurise the near misses of the fit data (and MLQA's fit half) through `run`."""
    from rag.evaluation.corpora import news_assistant, seeds_assistant, squad_assistant
    from rag.evaluation.runner import load_items, select_split
    from rag.evaluation.squad_data import load_squad

    used = {}
    if args.xquad:
        squad = load_squad(Path(args.xquad))
        fit = squad_fit_questions(squad, args.xquad_questions or None)
        xquad = squad_assistant(settings, work, squad, "xquad")
        for assistant, qs in near_miss_questions(xquad, [gold(q) for q in fit], work / "xquad-fit-nearmiss", "xquad"):
            run(assistant, qs, "XQuAD near misses")
        used["xquad_near_miss_of"] = len(fit)
    if args.mlqa:
        squad = load_squad(Path(args.mlqa), per_paragraph=True)
        fit = squad_fit_questions(squad)
        mlqa = squad_assistant(settings, work, squad, "mlqa")
        run(mlqa, [TrainQuestion(q.qid, q.question, "mlqa", span_gold(q.spans, q.source)) for q in fit], "MLQA fit half")
        for assistant, qs in near_miss_questions(mlqa, [gold(q) for q in fit], work / "mlqa-fit-nearmiss", "mlqa"):
            run(assistant, qs, "MLQA near misses")
        used["mlqa"] = str(args.mlqa)
        used["mlqa_fit_questions"] = len(fit)
    sets = [("seeds-dev", seeds_assistant, args.questions)] if args.seeds_near_misses else []
    if args.news:
        sets.append(("news-dev", lambda s, w: news_assistant(s, w, Path(args.news)), args.news_questions))
    for group, make, path in sets:
        dev = select_split(load_items(path), "dev")
        items = [i for i in dev if i["type"] != "unanswerable"]
        base = make(settings, work)
        if group == "news-dev" and not args.xquad_base:  # the base collection, which has them, was skipped
            run(base, [TrainQuestion(i["id"], i["question"], group, item_gold(i)) for i in dev], group)
        for assistant, qs in near_miss_questions(base, [GoldQuestion.from_item(i) for i in items],
                                                 work / f"{group}-nearmiss", group):
            run(assistant, qs, f"{group} near misses")
    return used
