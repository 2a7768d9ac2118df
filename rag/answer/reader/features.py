"""Features of a (question part, candidate sentence) pair, the inputs of the learned reader:
pure functions of their inputs, testable without an index.

Each is a fact about the pair (how much of the question's weight the sentence covers, its
cosine to the question, whether it holds the asked-for kind of value, where it stands, what
its neighbours cover); how much each counts is learned (`rag/answer/reader/model.py`).
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Callable

import numpy as np

from rag.answer.focus import focus_next_to_value, focus_with_value, mentions
from rag.answer.reader.candidates import Candidate
from rag.answer.reader.values import offers_answer_type, reports_change, states_bound
from rag.core.types import QuestionPart
from rag.text.lexicon import DATELINE

FEATURES = (
    "cos", "cos_gap", "cos_rank1", "cov", "cov_gap", "cov_rank1", "cov_exact", "rare_hit", "subject_cov",
    "prev_cov", "next_cov", "window_cov", "typed", "untyped_needed", "bound", "change_now",
    "points_back", "passage_inv_rank", "opens_document", "dateline", "log_words", "new_terms",
    "lang_en", "en_cos", "en_cos_gap", "has_digit", "focus_in", "focus_typed", "has_focus",
    # Read by the answerability model only (the sentence model's file names its own): a value
    # next to the focus; the question's weight, and its rarest term's, that no candidate holds
    # (a near miss loses the terms only the cut sentence had: 0.43 vs 0.30 of the weight, MLQA fit half).
    "focus_near", "terms_nowhere", "terms_nowhere_max",
)


def term_weights(part: QuestionPart, idf: Callable[[str], float]) -> dict[str, float]:
    """The part's terms with idf weights, floored at 1: in a small corpus about one topic the
    topic's own names (in every chunk) get an idf near 0, yet a sentence that does not
    mention them is about something else."""
    return {t: max(1.0, idf(t)) for t in part.topic_terms}


# Cached: the reader asks it for every (question stem, sentence stem) pair, 227k pairs for 40
# seeds questions, a third of a question's reading time uncached.
@lru_cache(maxsize=1 << 16)  # ~110 B an entry
def _related(a: str, b: str) -> bool:
    """Stems the Snowball stemmer failed to unite: inflection ("lauft"/"laufend") shares a
    long prefix, a German compound shares its head ("datenzentr"/"rechenzentr")."""
    short = min(len(a), len(b))
    if short < 4:
        return False
    prefix = len(os.path.commonprefix([a, b]))
    suffix = len(os.path.commonprefix([a[::-1], b[::-1]]))
    return prefix >= max(4, 0.8 * short) or suffix >= 5


# (question stem, a sentence's stems): 115k pair checks for 47 questions. Small: an entry
# keeps the sentence's stem set alive (~1.5 KB).
@lru_cache(maxsize=4096)
def _related_to_any(term: str, terms: frozenset[str]) -> bool:
    # Only a stem with the same first 4 or last 5 letters can be related (`_related`).
    head, tail = term[:4], term[-5:]
    return any(_related(term, s) for s in terms if s[:4] == head or s[-5:] == tail)


def matched(c: Candidate, weights: dict[str, float], related_credit: float) -> dict[str, float]:
    """Question term -> 1 for an exact stem match in the sentence, `related_credit` for a
    related stem or a match in the previous sentence only. A sentence that points back
    ("Zu dieser Zeit ...") is answered together with its previous sentence, so a match
    there counts in full."""
    out = {}
    context_credit = 1.0 if c.points_back else related_credit
    for t in weights:
        if t in c.terms:
            out[t] = 1.0
        elif t in c.context:
            out[t] = context_credit
        elif _related_to_any(t, c.terms):
            out[t] = related_credit
    return out


def coverage(c: Candidate, weights: dict[str, float], related_credit: float,
             already: dict[str, float] | None = None) -> float:
    """Share of the question's term weight the sentence covers, beyond what `already`
    (the sentences chosen so far) covers."""
    return _coverage_of_hits(matched(c, weights, related_credit), weights, already)


def _coverage_of_hits(hits: dict[str, float], weights: dict[str, float],
                      already: dict[str, float] | None = None) -> float:
    total = sum(weights.values()) or 1.0
    already = already or {}
    return sum(weights[t] * max(0.0, credit - already.get(t, 0.0)) for t, credit in hits.items()) / total


def _coverage_of(terms: frozenset[str], weights: dict[str, float], total: float) -> float:
    return sum(w for t, w in weights.items() if t in terms) / total


def sentence_features(part: QuestionPart, cands: list[Candidate], language: str,
                      idf: Callable[[str], float], cos: np.ndarray, related_credit: float) -> np.ndarray:
    """One row of FEATURES per candidate, for `part` of a question in `language`; `cos` is
    each candidate's cosine to the part (0 when there is no embedder)."""
    n = len(cands)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if not n:
        return out
    weights = term_weights(part, idf)
    total = sum(weights.values()) or 1.0
    rarest = max(weights, key=weights.get) if weights else None
    subjects = [t for t in part.subject_terms if t in weights]
    asked_words = set(part.topic_terms)
    # Each candidate's matches once: coverage, the row and the terms nowhere all read them.
    matches = [matched(c, weights, related_credit) if weights else {} for c in cands]
    cov = np.array([_coverage_of_hits(h, weights) for h in matches]) if weights else np.zeros(n)
    cos = np.asarray(cos, dtype=np.float64)
    en = 1.0 if language != "de" else 0.0
    col = {name: i for i, name in enumerate(FEATURES)}
    for i, c in enumerate(cands):
        hits = matches[i]
        typed = offers_answer_type(c.text, part.expected, part.text) or (
            c.points_back and offers_answer_type(c.previous, part.expected, part.text))
        row = out[i]
        row[col["cov_exact"]] = _coverage_of(c.terms, weights, total) if weights else 0.0
        row[col["rare_hit"]] = 1.0 if rarest is not None and rarest in hits else 0.0
        row[col["subject_cov"]] = (sum(1 for t in subjects if t in hits) / len(subjects)) if subjects else 1.0
        row[col["prev_cov"]] = _coverage_of(c.context, weights, total) if weights else 0.0
        row[col["next_cov"]] = _coverage_of(c.following, weights, total) if weights else 0.0
        row[col["window_cov"]] = _coverage_of(c.context | c.terms | c.following, weights, total) if weights else 0.0
        row[col["typed"]] = 1.0 if part.expected and typed else 0.0
        row[col["untyped_needed"]] = 1.0 if part.expected and not typed else 0.0
        row[col["bound"]] = 1.0 if states_bound(c.text, part) else 0.0
        row[col["change_now"]] = 1.0 if part.about_now and reports_change(c.text) else 0.0
        row[col["points_back"]] = 1.0 if c.points_back else 0.0
        row[col["passage_inv_rank"]] = 1.0 / c.number
        row[col["opens_document"]] = 1.0 if c.start == 0 else 0.0
        row[col["dateline"]] = 1.0 if DATELINE.match(c.text) else 0.0
        row[col["log_words"]] = math.log(len(c.text.split()))
        row[col["new_terms"]] = math.log1p(len(c.terms - asked_words))
        row[col["has_digit"]] = 1.0 if any(ch.isdigit() for ch in c.text) else 0.0
        if part.focus:
            # The question's focus, and a value of the asked kind about it in one clause
            # (rag/answer/focus.py); a sentence that points back is read with its antecedent.
            row[col["has_focus"]] = 1.0
            row[col["focus_in"]] = float(mentions(c.terms, part.focus) or (
                c.points_back and mentions(c.context, part.focus)))
            row[col["focus_typed"]] = float(any(focus_with_value(t, part.focus, part.expected, part.text)
                                                for t in c.with_antecedent()))
            row[col["focus_near"]] = float(focus_next_to_value(c.text, part.focus, part.expected, part.text))
    out[:, col["cos"]] = cos
    out[:, col["cov"]] = cov
    out[:, col["lang_en"]] = en
    out[:, col["en_cos"]] = en * cos
    if language == "de":  # an English question's words never stand in the German passages
        held = set().union(*matches)
        nowhere = [w for t, w in weights.items() if t not in held]
        out[:, col["terms_nowhere"]] = sum(nowhere) / total
        out[:, col["terms_nowhere_max"]] = max(nowhere, default=0.0)
    return relative_features(out)


def relative_features(x: np.ndarray) -> np.ndarray:
    """Fill the columns that compare a candidate with the others (gaps to the best, rank 1)
    from the absolute ones, in place; training calls it again after dropping candidates."""
    col = {name: i for i, name in enumerate(FEATURES)}
    if not len(x):
        return x
    cos, cov, en = x[:, col["cos"]], x[:, col["cov"]], x[:, col["lang_en"]]
    x[:, col["cos_gap"]] = cos - cos.max()
    x[:, col["cos_rank1"]] = (cos >= cos.max()).astype(float)
    x[:, col["cov_gap"]] = cov - cov.max()
    x[:, col["cov_rank1"]] = (cov >= cov.max()).astype(float) if cov.max() > 0 else 0.0
    x[:, col["en_cos_gap"]] = en * x[:, col["cos_gap"]]
    return x
