"""The judge's verdicts on the fit examples, for fitting the judged answerability
(`rag train-reader --collect-judge FILE --from-examples ...`, then `--judge-scores FILE`).

For each example, and each answerable one again without its gold sentences (`-nogold`),
the judge sees the question and the best sentence by the given sentence model (with its
antecedent), exactly as at answer time (`ExtractiveReader.score`). One verdict costs a
forward pass of the local model (1-2 s on 2 idle cores; 10-15 s on the shared machine),
so the file is written after every verdict and a second run only adds the missing ones;
`sample` limits the XQuAD and MLQA questions, `in_domain` the seeds and news dev questions
(both seeded samples of questions, each taken with all its variants).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.reader.model import ReaderModel
from rag.core.fsio import atomic_write_text
from rag.evaluation.answerability_fit import base_id
from rag.evaluation.raw_examples import candidates_of
from rag.evaluation.reader_examples import Example
from rag.evaluation.reader_training import IN_DOMAIN_PREFIXES, without_gold


def judged_examples(examples: list[Example], sample: int | None, seed: int = 20261207,
                    in_domain: int | None = None) -> list[Example]:
    """The examples to judge: a seeded sample of `sample` of the XQuAD and MLQA questions and
    of `in_domain` of the seeds and news dev questions (None: all of them), each question
    with its variants (article removed, near miss) and its gold-less variant."""
    def pick(questions: set[str], n: int | None) -> set[str]:
        ordered = sorted(questions)
        return set(ordered if n is None else random.Random(seed).sample(ordered, min(n, len(ordered))))

    ours = {base_id(e.qid) for e in examples if e.group.startswith(IN_DOMAIN_PREFIXES)}
    keep = pick({base_id(e.qid) for e in examples} - ours, sample) | pick(ours, in_domain)
    chosen = [e for e in examples if base_id(e.qid) in keep]
    return chosen + [n for e in chosen if (n := without_gold(e))]


def collect_verdicts(examples: list[Example], model: ReaderModel, judge: Callable[[str, list[str]], float],
                     out: Path, progress: Callable[[int], None] | None = None) -> dict[str, float]:
    """{example id: verdict}, read from `out` and completed there."""
    verdicts: dict[str, float] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    for n, e in enumerate(examples, start=1):
        if e.qid not in verdicts and e.raw is not None:
            cands = candidates_of(e.raw)
            best = cands[int(np.argmax(model.sentence.probabilities(e.x)))]
            verdicts[e.qid] = judge(analyze_question(e.raw["question"]).whole.text, best.with_antecedent())
            atomic_write_text(out, json.dumps(verdicts, indent=0))
        if progress:
            progress(n)
    return verdicts


def collect_from_args(args, settings, examples) -> int:
    """`rag train-reader --collect-judge FILE`: write the local judge's verdicts on the examples
    to FILE (resumable)."""
    from tqdm.auto import tqdm

    from rag.answer.reader.model import load_model, params_path
    from rag.backends.judge import local_judge

    model = load_model(Path(args.sentence_from) if args.sentence_from else params_path(None)[0])
    chosen = judged_examples(examples, args.judge_sample or None, in_domain=args.judge_sample_in_domain or None)
    judge = local_judge(settings.llm, settings.paths.models_dir)
    bar = tqdm(total=len(chosen), desc="Judging", unit="q", file=sys.stderr)
    verdicts = collect_verdicts(chosen, model, judge, Path(args.collect_judge), progress=lambda n: bar.update(1))
    bar.close()
    print(f"{len(verdicts)} verdicts in {args.collect_judge}; fit with --judge-scores {args.collect_judge}")
    return 0
