"""What a fit example's features are computed from, kept beside them so that new features can
be tried without collecting again (a search and an embedding per question, ~8 minutes for
the fit data on 2 cores): the question, its candidate sentences, their cosines to it and the
idf of its terms. `featurise` recomputes the FEATURES rows from them exactly as the reader
does at answer time (`sentence_features`), so a refeaturised example equals a fresh one.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from rag.answer.analysis import analyze_question
from rag.answer.reader.candidates import Candidate
from rag.answer.reader.features import sentence_features
from rag.core.types import QuestionAnalysis

_SETS = ("terms", "context", "following")


def raw_example(question: str, cands: list[Candidate], cos: np.ndarray, idf: Callable[[str], float],
                analysis: QuestionAnalysis) -> dict:
    """The material of one example as plain JSON-able data."""
    terms = {t for part in analysis.parts + (analysis.whole,) for t in part.topic_terms}
    return {"question": question, "cos": [float(v) for v in np.asarray(cos)],
            "idf": {t: float(idf(t)) for t in sorted(terms)},
            "cands": [_candidate_json(c) for c in cands]}


def _candidate_json(c: Candidate) -> dict:
    out = {k: getattr(c, k) for k in ("number", "text", "source", "date", "previous", "start", "end",
                                      "date_source")}
    out.update({k: sorted(getattr(c, k)) for k in _SETS})
    return out


def candidates_of(raw: dict) -> list[Candidate]:
    """The example's candidates, as `candidates()` made them."""
    return [Candidate(**{k: (frozenset(v) if k in _SETS else v) for k, v in c.items()}) for c in raw["cands"]]


def featurise(raw: dict, related_credit: float = 0.5) -> tuple[QuestionAnalysis, list[Candidate], np.ndarray]:
    """(analysis, candidates, FEATURES rows) of a raw example, as the reader computes them."""
    analysis = analyze_question(raw["question"])
    idf = raw["idf"]
    cands = candidates_of(raw)
    x = sentence_features(analysis.whole, cands, analysis.language, lambda t: idf.get(t, 1.0),
                          np.asarray(raw["cos"], dtype=np.float64), related_credit)
    return analysis, cands, x
