"""Fitting the reader: hard negatives, saved examples, grouped cross-validation.

The data is synthetic on purpose: a known rule (the gold sentence covers the question and
holds the asked-for type) that the fit must recover, without an index or an embedder.
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer.reader.features import FEATURES
from rag.core.errors import InputError
from rag.evaluation.reader_examples import Example, load_examples, save_examples
from rag.evaluation.reader_training import cross_validate, fit, score, without_gold

COL = {name: i for i, name in enumerate(FEATURES)}


def _example(rng: np.random.Generator, qid: str, group: str, answerable: bool, n: int = 6) -> Example:
    x = rng.normal(0.0, 0.1, size=(n, len(FEATURES)))
    x[:, COL["cos"]] = rng.uniform(0.70, 0.80, n)
    x[:, COL["cov"]] = rng.uniform(0.0, 0.4, n)
    x[:, COL["typed"]] = 0.0
    x[:, COL["lang_en"]] = 0.0
    # Facts of the question, not noise per sentence: no focus, every asked term retrieved.
    x[:, [COL["focus_near"], COL["terms_nowhere"], COL["terms_nowhere_max"]]] = 0.0
    y = np.zeros(n, dtype=bool)
    if answerable:
        gold = int(rng.integers(n))
        y[gold] = True
        x[gold, COL["cos"]] += 0.08
        x[gold, COL["cov"]] = rng.uniform(0.6, 1.0)
        x[gold, COL["typed"]] = 1.0
    from rag.answer.reader.features import relative_features

    return Example(qid, group, "quantity", "de", relative_features(x), y)


def _examples(seed: int = 0, n: int = 120) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        group = "xquad" if i % 2 else "news-dev"
        out.append(_example(rng, f"q{i}", group, answerable=i % 5 != 0))
    return out


def test_a_hard_negative_drops_the_gold_and_recomputes_the_comparisons():
    e = _example(np.random.default_rng(1), "q", "news-dev", answerable=True)
    negative = without_gold(e)
    assert negative.qid == "q-nogold" and negative.group == "news-dev-nogold"
    assert not negative.answerable and len(negative.y) == len(e.y) - 1
    cos = negative.x[:, COL["cos"]]
    best = int(np.argmax(cos))
    assert negative.x[best, COL["cos_gap"]] == 0.0 and negative.x[best, COL["cos_rank1"]] == 1.0
    assert np.allclose(negative.x[:, COL["cos_gap"]], cos - cos.max())
    # In the original, the gold held the best cosine, so every other gap was negative.
    assert (e.x[~e.y, COL["cos_gap"]] < 0).all()
    assert without_gold(_example(np.random.default_rng(2), "u", "news-dev", answerable=False)) is None


def test_saved_examples_load_back_identically(tmp_path):
    examples = _examples(n=10)
    path = tmp_path / "examples.npz"
    save_examples(path, examples, {"embedder": "toy", "data": {"k": 5}})
    loaded, header = load_examples(path)
    assert header["embedder"] == "toy" and header["data"] == {"k": 5}
    assert [(e.qid, e.group, e.expected, e.language) for e in loaded] == \
        [(e.qid, e.group, e.expected, e.language) for e in examples]
    for a, b in zip(loaded, examples):
        assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)


def test_examples_of_other_features_are_refused(tmp_path):
    path = tmp_path / "examples.npz"
    save_examples(path, _examples(n=3), {"embedder": "toy", "data": {}})
    with np.load(path, allow_pickle=False) as data:
        arrays = dict(data)
    arrays["header"] = np.array(str(arrays["header"]).replace('"cos"', '"cosine"', 1))
    np.savez(path, **arrays)
    with pytest.raises(InputError, match="other features"):
        load_examples(path)
    with pytest.raises(InputError, match="--save-examples"):
        load_examples(tmp_path / "missing.npz")


@pytest.mark.parametrize("objective", ["pointwise", "listwise"])
def test_the_fit_recovers_the_rule_and_keeps_false_refusals_at_the_target(objective):
    model, report = fit(_examples(), max_false_refusals=0.05, hard_negatives=True, objective=objective)
    assert report["top1_correct_when_answerable"] >= 0.95
    assert report["false_refusals"] <= 0.05
    assert report["unanswerable_refused"] >= 0.9
    assert model.meta["hard_negatives"] == sum(1 for e in _examples() if e.answerable)
    fresh = score(model, _examples(seed=7))
    assert fresh["answered_correctly"] >= 0.9 and fresh["unanswerable_refused"] >= 0.9


def test_the_listwise_scores_are_probabilities_again():
    examples = _examples()
    model, _ = fit(examples, objective="listwise")
    probs = np.concatenate([model.sentence.probabilities(e.x) for e in examples if e.answerable])
    gold = np.concatenate([e.y for e in examples if e.answerable])
    assert 0.0 < probs.min() and probs.max() < 1.0
    # Platt-scaled: the mean probability matches the share of gold sentences.
    assert abs(probs.mean() - gold.mean()) < 0.02


def test_an_unknown_objective_is_refused():
    with pytest.raises(InputError, match="listwise or pointwise"):
        fit(_examples(n=10), objective="pairwise")


def test_cross_validation_scores_every_group_on_held_out_folds():
    result = cross_validate(_examples(), folds=4, hard_negatives=True)
    assert set(result) == {"xquad", "xquad-nogold", "news-dev", "news-dev-nogold"}
    assert result["news-dev"]["questions"] == 60
    assert result["news-dev-nogold"]["unanswerable"] == result["news-dev"]["answerable"]
    assert result["news-dev"]["answered_correctly"] >= 0.85
    assert result["news-dev-nogold"]["unanswerable_refused"] >= 0.85


def test_domain_weight_changes_what_is_learned():
    examples = _examples()
    for e in examples:  # in the in-domain group, only a second feature marks the gold
        if e.group == "news-dev" and e.answerable:
            e.x[:, COL["typed"]] = 0.0
            e.x[e.y, COL["has_digit"]] = 3.0
    plain, _ = fit(examples, domain_weight=1.0)
    heavy, _ = fit(examples, domain_weight=10.0)
    col = COL["has_digit"]
    assert heavy.sentence.weights[col] > plain.sentence.weights[col]
