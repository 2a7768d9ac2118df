"""Learning the extractive reader's parameters (rag/answer/reader/params.json) from fit data.

Examples are (question part, candidate sentence) pairs, made exactly as at answer time:
the question is analysed, retrieved (top k), cut into candidate sentences and featurised by
the reader itself. Only fit data is used, never a test split:
- XQuAD-de, the fit half of its articles (`xquad_split`): every question once against the
  whole XQuAD corpus (its gold sentence is the positive) and once with its own article
  filtered out of the search (a plausible unanswerable: every candidate is negative);
- the dev split of each eval set, over that set's corpus, and MLQA part 1's dev half;
- near misses (`<group>-nearmiss`, see nearmiss.py): each answerable fit question again,
  with the sentences holding its answer cut from its document and the rest indexed (every
  candidate is negative), the hard kind of unanswerable that real questions are.

Two logistic models are fitted (scikit-learn): sentence -> P(answers the part), and the
part's candidates -> P(the passages answer it at all). The refusal threshold is the
highest one that refuses at most `max_false_refusals` of the fit questions the passages do
answer. Optionally (`hard_negatives`), answerability also learns from each answerable
question again with its gold sentences taken out of the candidates (topical passages
that lack the answer, the commonest wrong answer on unseen news).

Collecting is the slow part (a search and a featurisation per question); `save_examples`
keeps the result so that variants can be compared by `cross_validate` in seconds.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.reader.candidates import Candidate, candidates
from rag.answer.reader.features import FEATURES, relative_features, sentence_features
from rag.answer.reader.model import ANSWERABILITY_FEATURES, Logistic, ReaderModel
from rag.core.errors import InputError
from rag.evaluation.metrics import answer_match
from rag.evaluation.raw_examples import featurise, raw_example
from rag.index.filters import SearchFilter
from rag.retrieval.retriever import Retriever


@dataclass(frozen=True)
class TrainQuestion:
    qid: str
    text: str
    group: str  # where it comes from: "xquad", "xquad-removed", "seeds-dev", ...
    is_gold: Callable[[Candidate], bool] | None  # None: unanswerable by construction
    exclude: frozenset[str] = frozenset()  # sources filtered out of the search


@dataclass
class Example:
    """One question part's candidates: FEATURES rows and gold labels."""

    qid: str
    group: str
    expected: str | None
    language: str
    x: np.ndarray
    y: np.ndarray  # bool per candidate
    # What the features were computed from (`rag.evaluation.raw_examples`): the question, its
    # candidates, their cosines and the idf of its terms, so that other features can be
    # computed later without searching and embedding again. None for synthetic examples.
    raw: dict | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.y.any())


def xquad_split(titles: Iterable[str], seed: int = 20261202) -> dict[str, str]:
    """Each XQuAD article's split: half of them "fit", the rest "report" (held out)."""
    ordered = sorted(set(titles))
    random.Random(seed).shuffle(ordered)
    half = len(ordered) // 2
    return {title: ("fit" if i < half else "report") for i, title in enumerate(ordered)}


def span_gold(spans: tuple[tuple[int, int], ...], source: str) -> Callable[[Candidate], bool]:
    """A candidate is gold when it holds one of the answer spans (document offsets)."""
    return lambda c: c.source == source and any(c.start <= s and e <= c.end for s, e in spans)


def item_gold(item: dict) -> Callable[[Candidate], bool] | None:
    """A candidate is gold when it holds the eval item's answer and comes from a gold source."""
    if item["type"] == "unanswerable":
        return None
    sources = set(item["sources"])
    return lambda c: c.source in sources and answer_match(item, " ".join(c.with_antecedent()))


def collect(assistant, questions: Iterable[TrainQuestion], k: int,
            progress: Callable[[int], None] | None = None) -> list[Example]:
    """Featurise each question's retrieved candidates as the reader sees them. Compound
    questions are skipped: which part a gold answer belongs to is not labelled."""
    retriever = Retriever(assistant.index(), assistant.embedder, assistant.settings.retrieval)
    reader = assistant.reader
    out = []
    for n, q in enumerate(questions, start=1):
        analysis = analyze_question(q.text)
        if not analysis.compound:
            hits = retriever.search_question(analysis, k=k, where=SearchFilter(exclude_sources=q.exclude))
            cands = candidates(hits)
            if cands:
                cos = reader.cosines(analysis.whole.text, [c.text for c in cands])
                x = sentence_features(analysis.whole, cands, analysis.language, reader.idf, cos,
                                      reader.settings.related_credit)
                y = np.array([bool(q.is_gold and q.is_gold(c)) for c in cands])
                out.append(Example(q.qid, q.group, analysis.whole.expected, analysis.language, x, y,
                                   raw_example(q.text, cands, cos, reader.idf, analysis)))
        if progress:
            progress(n)
    return out


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


def save_examples(path: Path, examples: list[Example], meta: dict) -> None:
    """The collected examples as plain arrays (npz, no pickle) and a JSON header; the raw
    material of each (`raw_examples`) as JSON beside them."""
    header = {"features": list(FEATURES), **meta,
              "examples": [{"qid": e.qid, "group": e.group, "expected": e.expected, "language": e.language,
                            "rows": int(len(e.y))} for e in examples]}
    raws = json.dumps([e.raw for e in examples], ensure_ascii=False)
    np.savez_compressed(Path(path), x=np.vstack([e.x for e in examples]), y=np.concatenate([e.y for e in examples]),
                        header=np.array(json.dumps(header, ensure_ascii=False)), raw=np.array(raws))


def load_examples(path: Path) -> tuple[list[Example], dict]:
    """Examples written by `save_examples`, and its header. Examples of other features are
    computed again from their raw material, or refused when they have none."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            x, y = data["x"], data["y"]
            raws = json.loads(str(data["raw"])) if "raw" in data else None
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"Cannot read saved examples {path}: {exc}. Write them with --save-examples.") from None
    same = tuple(header["features"]) == FEATURES
    if not same and (raws is None or None in raws):
        raise InputError(f"{path} holds other features than this reader's: collect again (drop --from-examples)")
    out, start = [], 0
    for n, item in enumerate(header.pop("examples")):
        end = start + item["rows"]
        raw = raws[n] if raws else None
        rows = x[start:end] if same else featurise(raw)[2]
        out.append(Example(item["qid"], item["group"], item["expected"], item["language"], rows, y[start:end], raw))
        start = end
    header["features"] = list(FEATURES)
    return out, header
