"""Learning the extractive reader's parameters (rag/answer/reader/params.json) from fit data.

The examples come from rag/evaluation/reader_examples.py (fit data only, never a test split).
Two logistic models are fitted (scikit-learn): sentence -> P(answers the part), and the
part's candidates -> P(the passages answer it at all). The refusal threshold is the
highest one that refuses at most `max_false_refusals` of the fit questions the passages do
answer. Optionally (`hard_negatives`), answerability also learns from each answerable
question again with its gold sentences taken out of the candidates (topical passages
that lack the answer, the commonest wrong answer on unseen news).

`cross_validate` compares variants on saved examples in seconds.
"""

from __future__ import annotations

import random
import time

import numpy as np

from rag.answer.reader.features import FEATURES, relative_features
from rag.answer.reader.model import ANSWERABILITY_FEATURES, Logistic, ReaderModel
from rag.core.errors import InputError
from rag.evaluation.raw_examples import featurise
from rag.evaluation.reader_examples import Example


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and spreads; a constant column keeps spread 1 (it then weighs nothing)."""
    scale = x.std(axis=0)
    return x.mean(axis=0), np.where(scale > 1e-9, scale, 1.0)


def _fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float,
                  weight: np.ndarray | None = None) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean, scale = _standardiser(x)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=weight)
    return Logistic(names, mean, scale, model.coef_[0].astype(float), float(model.intercept_[0]))


IN_DOMAIN_PREFIXES = ("seeds", "news")  # the product's own kind of text, vs XQuAD's Wikipedia


def without_gold(e: Example) -> Example | None:
    """A hard negative: an answerable question's candidates without its gold sentences,
    the comparative features recomputed as if those had never been retrieved."""
    keep = ~e.y
    if not e.answerable or not keep.any():
        return None
    raw = None if e.raw is None else {**e.raw, "cos": [c for c, k in zip(e.raw["cos"], keep) if k],
                                      "cands": [c for c, k in zip(e.raw["cands"], keep) if k]}
    # With its raw material the example is featurised again, as if the gold sentences had
    # never been retrieved: the features over all candidates (terms_nowhere) change too.
    x = featurise(raw)[2] if raw is not None else relative_features(e.x[keep].copy())
    return Example(e.qid + "-nogold", e.group + "-nogold", e.expected, e.language, x, e.y[keep], raw)


def _question_weights(examples: list[Example], domain_weight: float) -> np.ndarray:
    return np.array([domain_weight if e.group.startswith(IN_DOMAIN_PREFIXES) else 1.0 for e in examples])


def _fit_listwise(answerable: list[Example], c: float, question_weight: np.ndarray) -> Logistic:
    """A conditional logit: the weights that maximise each question's softmax probability
    of its gold sentences among its own candidates (L2 1/c), then one Platt scale (score ->
    P(gold)) so that the scores are probabilities again. It learns what makes a sentence
    beat its neighbours, which is the reader's choice; per-sentence logistic regression
    learns what makes a sentence gold anywhere. Grouped 5-fold top-1 on the fit data:
    news dev 0.487 -> 0.667, seeds dev 0.750 -> 0.719, XQuAD 0.774 -> 0.761 (domain weight 1).
    No library fits this objective, so it is a 20-line L-BFGS over scipy's optimiser."""
    from scipy.optimize import minimize

    x = np.vstack([e.x for e in answerable])
    mean, scale = _standardiser(x)
    rows = [((e.x - mean) / scale, e.y) for e in answerable]
    qw = question_weight / question_weight.mean()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 / c * (w @ w), w / c
        for (z, y), weight in zip(rows, qw):
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            gold = max(float(p[y].sum()), 1e-12)
            total -= weight * np.log(gold)
            grad = grad + weight * (p @ z - (p[y] @ z[y]) / gold)
        return total / len(rows), grad / len(rows)

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    scores = ((x - mean) / scale) @ w
    platt = _fit_logistic(scores[:, None], np.concatenate([e.y for e in answerable]), ("score",), 1e6)
    a = float(platt.weights[0]) / float(platt.scale[0])
    return Logistic(FEATURES, mean, scale, a * w, platt.bias - a * float(platt.mean[0]))


def fit(examples: list[Example], c: float = 1.0, max_false_refusals: float = 0.05,
        meta: dict | None = None, hard_negatives: bool = False,
        domain_weight: float = 1.0, objective: str = "pointwise") -> tuple[ReaderModel, dict]:
    """Fit both models and the threshold; returns the model and what it scored on the
    fit data itself (in-sample: held-out numbers come from `rag eval`). `domain_weight`
    multiplies the weight of the seeds and news questions against XQuAD's; `objective`
    is "listwise" (`_fit_listwise`) or "pointwise" (per-sentence logistic regression)."""
    answerable = [e for e in examples if e.answerable]
    qw = _question_weights(answerable, domain_weight)
    if objective == "listwise":
        sentence = _fit_listwise(answerable, c, qw)
    elif objective == "pointwise":
        x = np.vstack([e.x for e in answerable])
        y = np.concatenate([e.y for e in answerable])
        # Every question counts once, however many candidates it has.
        weight = np.concatenate([np.full(len(e.y), w / len(e.y)) for e, w in zip(answerable, qw)])
        sentence = _fit_logistic(x, y, FEATURES, c, weight * len(answerable) / qw.sum())
    else:
        raise InputError(f"Unknown objective {objective!r}: choose listwise or pointwise.")
    probe = ReaderModel(sentence, Logistic(ANSWERABILITY_FEATURES, np.zeros(len(ANSWERABILITY_FEATURES)),
                                           np.ones(len(ANSWERABILITY_FEATURES)),
                                           np.zeros(len(ANSWERABILITY_FEATURES)), 0.0), 0.5, {})
    negatives = [n for e in answerable if (n := without_gold(e))] if hard_negatives else []
    pool = examples + negatives
    qx = np.array([_answerability_row(probe, e) for e in pool])
    qy = np.array([e.answerable for e in pool])
    qw = _question_weights(pool, domain_weight)
    answerability = _fit_logistic(qx, qy, ANSWERABILITY_FEATURES, c, qw * len(pool) / qw.sum())
    p = answerability.probabilities(qx)
    ranked = np.sort(p[qy])
    threshold = float(ranked[int(np.floor(max_false_refusals * len(ranked)))]) if len(ranked) else 0.5
    model = ReaderModel(sentence, answerability, threshold, {})
    fit_report = score(model, examples)
    model = ReaderModel(sentence, answerability, threshold, {
        **(meta or {}), "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "c": c,
        "hard_negatives": len(negatives), "domain_weight": domain_weight, "objective": objective,
        "calibration": {"max_false_refusals": max_false_refusals, "in_sample": fit_report},
        "groups": sorted({e.group for e in examples})})
    return model, fit_report


def _answerability_row(model: ReaderModel, e: Example) -> np.ndarray:
    return model.answerability_features(model.sentence.probabilities(e.x), e.x, e.expected, e.language)


def score(model: ReaderModel, examples: list[Example]) -> dict:
    """How `model` reads `examples`: over the answerable ones, the share whose best
    sentence is gold, answered right, and refused; over the rest, the share refused."""
    answerable, answered, top_right = [], [], []
    for e in examples:
        probs = model.sentence.probabilities(e.x)
        p = float(model.answerability.probabilities(_answerability_row(model, e)[None, :])[0])
        answerable.append(e.answerable)
        answered.append(p >= model.threshold)
        top_right.append(bool(e.y[int(np.argmax(probs))]))
    qy, answered, top_right = np.array(answerable, bool), np.array(answered, bool), np.array(top_right, bool)

    def share(mask: np.ndarray, of: np.ndarray) -> float | None:
        return round(float(mask[of].mean()), 4) if of.any() else None

    return {"questions": int(len(qy)), "answerable": int(qy.sum()), "unanswerable": int((~qy).sum()),
            "top1_correct_when_answerable": share(top_right, qy),
            "answered_correctly": share(answered & top_right, qy),
            "false_refusals": share(~answered, qy), "unanswerable_refused": share(~answered, ~qy)}


VARIANT_SUFFIXES = ("-removed", "-nearmiss")  # a question's variants: article removed, near miss


def base_qid(qid: str) -> str:
    """The answerable question a variant's id derives from (itself for the question)."""
    for suffix in VARIANT_SUFFIXES:
        qid = qid.removesuffix(suffix)
    return qid


def cross_validate(examples: list[Example], folds: int = 5, seed: int = 20261202, **fit_args) -> dict:
    """Grouped k-fold on fit data: a question and its variants (article removed, near miss,
    gold removed) stay in one fold. Returns `score` per group on the held-out folds, with each
    fold's hard negatives scored as the group "<group>-nogold"."""
    base = sorted({base_qid(e.qid) for e in examples})
    random.Random(seed).shuffle(base)
    fold_of = {qid: i % folds for i, qid in enumerate(base)}
    held: dict[str, list[tuple[ReaderModel, Example]]] = {}
    for k in range(folds):
        train = [e for e in examples if fold_of[base_qid(e.qid)] != k]
        test = [e for e in examples if fold_of[base_qid(e.qid)] == k]
        model, _ = fit(train, **fit_args)
        for e in test + [n for e in test if (n := without_gold(e))]:
            held.setdefault(e.group, []).append((model, e))
    out = {}
    for group, pairs in sorted(held.items()):
        parts = [score(m, [e]) for m, e in pairs]
        out[group] = _pool(parts)
    return out


def _pool(parts: list[dict]) -> dict:
    """Combine per-question `score` results (each over one example) into one."""
    total = {"questions": sum(p["questions"] for p in parts), "answerable": sum(p["answerable"] for p in parts),
             "unanswerable": sum(p["unanswerable"] for p in parts)}
    for key, of in (("top1_correct_when_answerable", "answerable"), ("answered_correctly", "answerable"),
                    ("false_refusals", "answerable"), ("unanswerable_refused", "unanswerable")):
        vals = [p[key] for p in parts if p[of]]
        total[key] = round(float(np.mean(vals)), 4) if vals else None
    return total
