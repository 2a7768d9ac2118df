"""The answerability decision: trees in JSON, evaluated by numpy exactly as scikit-learn
fitted them; the held-out fit of model, threshold and confidence on near misses.

The data is synthetic on purpose: a conjunction ("a value of the asked kind AND about the
asked thing") that a linear model cannot express and trees can."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.reader.features import FEATURES, relative_features
from rag.answer.reader.model import ANSWERABILITY_FEATURES, load_model
from rag.answer.reader.trees import Tree, Trees
from rag.evaluation.answerability_fit import build_pool, cross_validate, refit_answerability
from rag.evaluation.reader_examples import Example

COL = {name: i for i, name in enumerate(FEATURES)}


def test_trees_in_json_give_sklearns_decision_function():
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] > 0) & (x[:, 1] > 0.3)
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y)
    trees = Trees.from_json(json.loads(json.dumps(Trees.from_sklearn(model, ("a", "b", "c", "d")).to_json())))
    assert np.allclose(trees.raw(x), model.decision_function(x), atol=1e-9)
    assert np.allclose(trees.probabilities(x), model.predict_proba(x)[:, 1], atol=1e-9)
    # It reads its own columns out of wider rows, by name.
    wide = np.column_stack([np.zeros(len(x)), x])
    assert np.allclose(trees.reading(("z", "a", "b", "c", "d")).raw(wide), model.decision_function(x), atol=1e-9)


def test_a_malformed_tree_is_refused():
    good = Tree(np.array([0, -2, -2]), np.array([0.5, 0, 0]), np.array([1, -1, -1]), np.array([2, -1, -1]),
                np.array([0.0, -1.0, 1.0])).to_json()
    assert Tree.from_json(good).predict(np.array([[0.0], [1.0]])).tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError):
        Tree.from_json({**good, "left": [5, -1, -1]})
    with pytest.raises(ValueError):
        Tree.from_json({**good, "value": [0.0]})


def _example(rng, qid: str, group: str, answerable: bool, n: int = 6) -> Example:
    """The gold sentence holds a typed value about the focus; the others share the topic
    (same coverage) and each holds either a typed value or the focus, never both."""
    x = rng.normal(0.0, 0.05, size=(n, len(FEATURES)))
    x[:, COL["cov"]] = rng.uniform(0.5, 0.9, n)
    x[:, COL["cos"]] = rng.uniform(0.75, 0.85, n)
    x[:, COL["lang_en"]] = 0.0
    x[:, COL["has_focus"]] = 1.0
    half = rng.random(n) < 0.5
    x[:, COL["typed"]], x[:, COL["focus_in"]], x[:, COL["focus_typed"]] = half, ~half, 0.0
    y = np.zeros(n, dtype=bool)
    if answerable:
        gold = int(rng.integers(n))
        y[gold] = True
        x[gold, [COL["typed"], COL["focus_in"], COL["focus_typed"]]] = 1.0
    return Example(qid, group, "quantity", "de", relative_features(x), y)


def _examples(seed: int = 0, n: int = 200) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [_example(rng, f"q{i}", "news-dev" if i % 2 else "xquad", answerable=True) for i in range(n)]


def test_near_misses_are_told_apart_and_the_report_is_held_out():
    examples = _examples(n=120)
    pool = build_pool(examples, load_model())
    assert len(pool.y) == 2 * len(examples) and pool.y.sum() == len(examples)  # each with its -nogold
    report = cross_validate(pool, "trees", folds=3)
    news = report["groups"]["news-dev"]
    assert news["answerable"] == 60 and news["near_misses"] == 60
    assert news["auc"] > 0.95 and news["near_miss_refused_at_fr10"] > 0.9
    assert news["false_refusals"] <= 0.15 and news["ece"] < 0.1


def test_the_refit_keeps_the_sentence_model_and_writes_loadable_json(tmp_path):
    base = load_model()
    model, reports = refit_answerability(base, _examples(n=90), "trees", max_false_refusals=0.1)
    assert model.sentence is base.sentence
    assert reports["answerability"]["held_out"]["news-dev"]["auc"] > 0.9
    path = tmp_path / "params.json"
    path.write_text(json.dumps(model.to_json()))
    again = load_model(path)
    q = np.ones((3, len(ANSWERABILITY_FEATURES)))
    assert np.allclose(again.answerability.probabilities(q), model.answerability.probabilities(q))
    assert again.confidence is not None and again.threshold == pytest.approx(model.threshold)
