"""Fitting the reader's answerability decision and the confidence of its answers.

The pool: every fit example (a question part's candidates), and each answerable one again
without its gold sentences (`-nogold`: the topic is retrieved, the fact is not: a near miss
as SQuAD 2.0 makes them), plus near-miss examples collected as such (groups ending in
"-nearmiss"). Each row is the part's ANSWERABILITY_FEATURES (with the judge's verdict as
JUDGED_FEATURES when it was collected).

- `kind="logistic"`: one standardised logistic model, as before;
- `kind="trees"`: gradient-boosted trees (scikit-learn at fit time, `Trees` at answer
  time), which can learn "a value of the asked kind AND about the focus". Their log-odds
  are Platt-scaled on held-out folds so that the probability is calibrated.

The threshold refuses at most `max_false_refusals` of the answerable pool questions on
held-out folds. The answer confidence (`CONFIDENCE_FEATURES` -> P(the best sentence is
right)) is fitted on held-out answerability, so it is calibrated the way it will be used.
`cross_validate` reports, per group, the AUC of answerable against near misses, the share
of near misses refused at <= 10 % false refusals and the expected calibration error, as
`rag eval` measures them on the test splits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from rag.answer.reader.model import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    JUDGED_FEATURES,
    Classifier,
    Logistic,
    ReaderModel,
    _logit,
)
from rag.answer.reader.trees import Trees
from rag.core.errors import InputError
from rag.evaluation.reader_examples import Example
from rag.evaluation.reader_training import IN_DOMAIN_PREFIXES, _fit_logistic, without_gold

KINDS = ("logistic", "trees")
# The trees' size, chosen by grouped 5-fold CV on the fit data (evals/README.md).
TREE_PARAMS = {"n_estimators": 150, "max_depth": 3, "learning_rate": 0.05, "subsample": 0.8,
               "min_samples_leaf": 20, "random_state": 20261207}


@dataclass
class Pool:
    x: np.ndarray  # ANSWERABILITY_FEATURES (+ judge) per example
    y: np.ndarray  # answerable
    top1: np.ndarray  # the best-scored sentence is gold
    groups: list[str]
    base: list[str]  # the question an example derives from (folds keep them together)
    weight: np.ndarray


def base_id(qid: str) -> str:
    for suffix in ("-nogold", "-removed", "-nearmiss"):
        qid = qid.removesuffix(suffix)
    return qid


def build_pool(examples: list[Example], model: ReaderModel, domain_weight: float = 1.0,
               judge: dict[str, float] | None = None) -> Pool:
    """The rows of every example and of each answerable one without its gold sentences;
    with `judge` (example id -> verdict), only the examples that have a verdict, with it."""
    rows, y, top1, groups, base, weight = [], [], [], [], [], []
    for e in examples + [n for e in examples if (n := without_gold(e))]:
        if judge is not None and e.qid not in judge:
            continue
        probs = model.sentence.probabilities(e.x)
        q = model.answerability_features(probs, e.x, e.expected, e.language)
        rows.append(np.append(q, judge[e.qid]) if judge is not None else q)
        y.append(e.answerable)
        top1.append(bool(e.y[int(np.argmax(probs))]))
        groups.append(e.group)
        base.append(base_id(e.qid))
        weight.append(domain_weight if e.group.startswith(IN_DOMAIN_PREFIXES) else 1.0)
    w = np.array(weight, dtype=np.float64)
    return Pool(np.array(rows), np.array(y, bool), np.array(top1, bool), groups, base, w * len(w) / w.sum())


def _names(pool: Pool) -> tuple[str, ...]:
    return JUDGED_FEATURES if pool.x.shape[1] == len(JUDGED_FEATURES) else ANSWERABILITY_FEATURES


def folds_of(base: list[str], folds: int, seed: int = 20261202) -> np.ndarray:
    ids = sorted(set(base))
    random.Random(seed).shuffle(ids)
    fold = {b: i % folds for i, b in enumerate(ids)}
    return np.array([fold[b] for b in base])


def fit_classifier(kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, names: tuple[str, ...],
                   c: float = 1.0, inner_folds: np.ndarray | None = None) -> Classifier:
    """A calibrated P(answerable) model of `kind` on rows `x`."""
    if kind == "logistic":
        return _fit_logistic(x, y, names, c, w)
    if kind != "trees":
        raise InputError(f"Unknown answerability model {kind!r}: choose {' or '.join(KINDS)}.")
    from sklearn.ensemble import GradientBoostingClassifier

    def trees(rows: np.ndarray) -> Trees:
        model = GradientBoostingClassifier(**TREE_PARAMS).fit(x[rows], y[rows], sample_weight=w[rows])
        return Trees.from_sklearn(model, names)

    # Platt scale on held-out folds: boosted log-odds are over-confident in-sample.
    inner = inner_folds if inner_folds is not None else np.arange(len(y)) % 3
    raw = np.zeros(len(y))
    for k in np.unique(inner):
        raw[inner == k] = trees(inner != k).raw(x[inner == k])
    platt = _fit_logistic(raw[:, None], y, ("raw",), 1e6, w)
    a = float(platt.weights[0] / platt.scale[0])
    return Trees.from_json({**trees(np.ones(len(y), bool)).to_json(),
                            "platt": [a, float(platt.bias - a * platt.mean[0])]})


def held_out(pool: Pool, kind: str, folds: int = 5, c: float = 1.0) -> np.ndarray:
    """P(answerable) of every pool row from a model fitted on the other folds."""
    fold = folds_of(pool.base, folds)
    p = np.zeros(len(pool.y))
    for k in range(folds):
        train = fold != k
        inner = folds_of([b for b, t in zip(pool.base, train) if t], 3, seed=k)
        model = fit_classifier(kind, pool.x[train], pool.y[train], pool.weight[train], _names(pool), c, inner)
        p[fold == k] = model.probabilities(pool.x[fold == k])
    return p


def threshold_for(p: np.ndarray, y: np.ndarray, max_false_refusals: float) -> float:
    """The highest threshold that refuses at most `max_false_refusals` of the answerable rows."""
    ranked = np.sort(p[y])
    return float(ranked[int(np.floor(max_false_refusals * len(ranked)))]) if len(ranked) else 0.5


def fit_confidence(pool: Pool, p_held: np.ndarray) -> Logistic:
    """P(an answer given is right) from the held-out answerability and the best sentence's
    lead: fitted on the rows that would be answered, right when the best sentence is gold."""
    x = np.column_stack([[_logit(float(v)) for v in p_held], pool.x[:, 0], pool.x[:, 1]])
    return _fit_logistic(x, pool.top1 & pool.y, CONFIDENCE_FEATURES, 1.0, pool.weight)


def confidences(pool: Pool, p: np.ndarray, threshold: float, confidence: Logistic | None) -> np.ndarray:
    """The confidence each row's answer would carry: P(right) when answered, the
    answerability when refused (then 1 - it is the chance that the refusal is right)."""
    if confidence is None:
        return p
    x = np.column_stack([[_logit(float(v)) for v in p], pool.x[:, 0], pool.x[:, 1]])
    return np.where(p >= threshold, confidence.probabilities(x), p)


def group_report(pool: Pool, p: np.ndarray, conf: np.ndarray, threshold: float) -> dict:
    """Per source group: AUC (answerable vs its near misses), near misses refused at <= 10 %
    false refusals (threshold swept), at `threshold`, false refusals at it, and the ECE of
    `conf` as `rag eval` computes it (right = answered with a gold best sentence, or a
    near miss refused)."""
    from sklearn.metrics import roc_auc_score

    from rag.evaluation.refusal_metrics import expected_calibration_error, refused_at_false_refusals

    groups = np.array(pool.groups)
    out = {}
    for g in sorted({x for x in pool.groups if not x.endswith(("-nogold", "-removed", "-nearmiss"))}):
        pos = (groups == g) & pool.y
        neg = np.isin(groups, [g + "-nogold", g + "-nearmiss"])
        if not pos.any() or not neg.any():
            continue
        sweep = refused_at_false_refusals(list(p[pos]), list(p[neg]))
        rows = pos | neg
        answered = p >= threshold
        right = np.where(pool.y, answered & pool.top1, ~answered)
        prob = np.where(answered, conf, 1 - conf)
        out[g] = {"answerable": int(pos.sum()), "near_misses": int(neg.sum()),
                  "auc": round(float(roc_auc_score(pool.y[rows], p[rows])), 3),
                  "auc_confidence": round(float(roc_auc_score(pool.y[rows], conf[rows])), 3),
                  "near_miss_refused_at_fr10": round(float(sweep["near_miss_refused_at_fr10"]), 3),
                  "near_miss_refused": round(float((~answered[neg]).mean()), 3),
                  "false_refusals": round(float((~answered[pos]).mean()), 3),
                  "ece": round(float(expected_calibration_error(list(zip(prob[rows], right[rows].astype(float))))), 3)}
        true = groups == g + "-nearmiss"  # made as `rag eval` makes them (the rest: -nogold)
        if true.any():
            both = pos | true
            out[g]["true_near_misses"] = int(true.sum())
            out[g]["auc_true_near_misses"] = round(float(roc_auc_score(pool.y[both], p[both])), 3)
            out[g]["true_near_miss_refused_at_fr10"] = round(float(refused_at_false_refusals(
                list(p[pos]), list(p[true]))["near_miss_refused_at_fr10"]), 3)
        removed = groups == g + "-removed"
        if removed.any():
            out[g]["article_removed_refused"] = round(float((~answered[removed]).mean()), 3)
    return out


def cross_validate(pool: Pool, kind: str, folds: int = 5, max_false_refusals: float = 0.1, c: float = 1.0) -> dict:
    """Held-out scores of an answerability model of `kind` on the pool (see `group_report`);
    the threshold and the confidence model are chosen on held-out rows too."""
    p = held_out(pool, kind, folds, c)
    threshold = threshold_for(p, pool.y, max_false_refusals)
    conf = confidences(pool, p, threshold, fit_confidence(pool, p))
    return {"kind": kind, "threshold": round(threshold, 4), "groups": group_report(pool, p, conf, threshold)}


def fit_answerability(pool: Pool, kind: str, max_false_refusals: float = 0.1, c: float = 1.0,
                      folds: int = 5) -> tuple[Classifier, float, Logistic, dict]:
    """(model on the whole pool, threshold, confidence model, held-out report): threshold
    and confidence come from held-out predictions, the model from all rows."""
    p = held_out(pool, kind, folds, c)
    threshold = threshold_for(p, pool.y, max_false_refusals)
    confidence = fit_confidence(pool, p)
    report = group_report(pool, p, confidences(pool, p, threshold, confidence), threshold)
    model = fit_classifier(kind, pool.x, pool.y, pool.weight, _names(pool), c, folds_of(pool.base, 3))
    return model, threshold, confidence, report


def refit_answerability(model: ReaderModel, examples: list[Example], kind: str, max_false_refusals: float = 0.1,
                        domain_weight: float = 1.0, judge: dict[str, float] | None = None) -> tuple[ReaderModel, dict]:
    """`model` with its answerability, threshold and confidence fitted here on the pool of
    `examples` (its sentence model kept), and with `judge` verdicts a judged answerability
    of the same kind too (`add_judged`); returns it with the held-out report of each."""
    from dataclasses import replace

    pool = build_pool(examples, model, domain_weight)
    answerability, threshold, confidence, report = fit_answerability(pool, kind, max_false_refusals)
    out = replace(model, answerability=answerability, threshold=threshold, confidence=confidence)
    reports = {"answerability": {"kind": kind, "threshold": threshold, "held_out": report}}
    if judge:
        out, reports["answerability_judged"] = add_judged(out, examples, kind, judge, max_false_refusals,
                                                          domain_weight)
    return out, reports


def add_judged(model: ReaderModel, examples: list[Example], kind: str, judge: dict[str, float],
               max_false_refusals: float = 0.1, domain_weight: float = 1.0) -> tuple[ReaderModel, dict]:
    """`model` with a judged answerability of `kind` fitted on the examples that have a
    verdict in `judge` (threshold from held-out folds), and nothing else changed: what
    `reader.judge = none` reads stays as it was. Returns it with the held-out report."""
    from dataclasses import replace

    pool = build_pool(examples, model, domain_weight, judge)
    if not len(pool.y):
        raise InputError("None of the examples has a verdict in the judge scores: were they collected "
                         "from the same example files (--collect-judge)?")
    judged, threshold, _, report = fit_answerability(pool, kind, max_false_refusals)
    return replace(model, judged=judged, judged_threshold=threshold), {
        "kind": kind, "threshold": threshold, "max_false_refusals": max_false_refusals, "examples": len(pool.y),
        "verdicts": len(judge), "held_out": report}


def recalibrate(model: ReaderModel, examples: list[Example], domain_weight: float = 1.0) -> tuple[ReaderModel, dict]:
    """`model` with its answerability and threshold kept (so every answer and refusal stays
    as it was) and only a confidence model fitted on the pool: P(an answer given is right)
    from its answerability, for a calibrated `Answer.confidence`."""
    from dataclasses import replace

    pool = build_pool(examples, model, domain_weight)
    p = model.answerability.probabilities(pool.x)
    confidence = fit_confidence(pool, p)
    report = group_report(pool, p, confidences(pool, p, model.threshold, confidence), model.threshold)
    return replace(model, confidence=confidence), {"answerability": {"kind": "kept", "threshold": model.threshold,
                                                                     "in_sample": report}}
