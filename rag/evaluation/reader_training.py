"""Learning the extractive reader's parameters (rag/answer/reader/params.json) from fit data.

Examples are (question part, candidate sentence) pairs, made exactly as at answer time:
the question is analysed, retrieved (top k), cut into candidate sentences and featurised by
the reader itself. Only fit data is used, never a test split:
- XQuAD-de, the fit half of its articles (`xquad_split`): every question once against the
  whole XQuAD corpus (its gold sentence is the positive) and once with its own article
  filtered out of the search (a plausible unanswerable: every candidate is negative);
- the dev split of each eval set, over that set's corpus.

Two logistic models are fitted (scikit-learn): sentence -> P(answers the part), and the
part's candidates -> P(the passages answer it at all). The refusal threshold is the
highest one that refuses at most `max_false_refusals` of the fit questions the passages do
answer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.reader.candidates import Candidate, candidates
from rag.answer.reader.features import FEATURES
from rag.answer.reader.model import ANSWERABILITY_FEATURES, Logistic, ReaderModel
from rag.evaluation.metrics import answer_match
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
                x = reader.features_for(analysis.whole, cands, analysis.language)
                y = np.array([bool(q.is_gold and q.is_gold(c)) for c in cands])
                out.append(Example(q.qid, q.group, analysis.whole.expected, analysis.language, x, y))
        if progress:
            progress(n)
    return out


def _fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float,
                  weight: np.ndarray | None = None) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=weight)
    return Logistic(names, mean, scale, model.coef_[0].astype(float), float(model.intercept_[0]))


def fit(examples: list[Example], c: float = 1.0, max_false_refusals: float = 0.05,
        meta: dict | None = None) -> tuple[ReaderModel, dict]:
    """Fit both models and the threshold; returns the model and what it scored on the
    fit data itself (in-sample: held-out numbers come from `rag eval`)."""
    answerable = [e for e in examples if e.answerable]
    x = np.vstack([e.x for e in answerable])
    y = np.concatenate([e.y for e in answerable])
    # Every question counts once, however many candidates it has.
    weight = np.concatenate([np.full(len(e.y), 1.0 / len(e.y)) for e in answerable])
    sentence = _fit_logistic(x, y, FEATURES, c, weight * len(answerable))
    probe = ReaderModel(sentence, Logistic(ANSWERABILITY_FEATURES, np.zeros(len(ANSWERABILITY_FEATURES)),
                                           np.ones(len(ANSWERABILITY_FEATURES)),
                                           np.zeros(len(ANSWERABILITY_FEATURES)), 0.0), 0.5, {})
    qx, qy, top_right = [], [], []
    for e in examples:
        probs = sentence.probabilities(e.x)
        qx.append(probe.answerability_features(probs, e.x, e.expected, e.language))
        qy.append(e.answerable)
        top_right.append(bool(e.y[int(np.argmax(probs))]) if e.answerable else False)
    qx, qy, top_right = np.array(qx), np.array(qy), np.array(top_right)
    answerability = _fit_logistic(qx, qy, ANSWERABILITY_FEATURES, c)
    p = answerability.probabilities(qx)
    ranked = np.sort(p[qy])
    threshold = float(ranked[int(np.floor(max_false_refusals * len(ranked)))]) if len(ranked) else 0.5
    model = ReaderModel(sentence, answerability, threshold, {})
    answered = p >= threshold
    fit_report = {
        "questions": int(len(examples)), "answerable": int(qy.sum()), "unanswerable": int((~qy).sum()),
        "top1_correct_when_answerable": round(float(top_right[qy].mean()), 4) if qy.any() else None,
        "answered_correctly": round(float((answered & top_right)[qy].mean()), 4) if qy.any() else None,
        "false_refusals": round(float((~answered)[qy].mean()), 4) if qy.any() else None,
        "unanswerable_refused": round(float((~answered)[~qy].mean()), 4) if (~qy).any() else None,
    }
    model = ReaderModel(sentence, answerability, threshold, {
        **(meta or {}), "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "c": c,
        "calibration": {"max_false_refusals": max_false_refusals, "in_sample": fit_report},
        "groups": sorted({e.group for e in examples})})
    return model, fit_report
