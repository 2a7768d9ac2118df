"""Question-term coverage of a candidate sentence: pure functions, testable without an index."""

from __future__ import annotations

import os
from typing import Callable

from rag.answer.reader.candidates import Candidate
from rag.core.types import QuestionPart


def term_weights(part: QuestionPart, idf: Callable[[str], float]) -> dict[str, float]:
    """The part's terms with idf weights, floored at 1: in a small corpus about one topic the
    topic's own names (in every chunk) get an idf near 0, yet a sentence that does not
    mention them is about something else."""
    return {t: max(1.0, idf(t)) for t in part.topic_terms}


def _related(a: str, b: str) -> bool:
    """Stems the Snowball stemmer failed to unite: inflection ("lauft"/"laufend") shares a
    long prefix, a German compound shares its head ("datenzentr"/"rechenzentr")."""
    short = min(len(a), len(b))
    if short < 4:
        return False
    prefix = len(os.path.commonprefix([a, b]))
    suffix = len(os.path.commonprefix([a[::-1], b[::-1]]))
    return prefix >= max(4, 0.8 * short) or suffix >= 5


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
        elif any(_related(t, s) for s in c.terms):
            out[t] = related_credit
    return out


def coverage(c: Candidate, weights: dict[str, float], related_credit: float,
             already: dict[str, float] | None = None) -> float:
    """Share of the question's term weight the sentence covers, beyond what `already`
    (the sentences chosen so far) covers."""
    total = sum(weights.values()) or 1.0
    already = already or {}
    hits = matched(c, weights, related_credit)
    return sum(weights[t] * max(0.0, credit - already.get(t, 0.0)) for t, credit in hits.items()) / total
