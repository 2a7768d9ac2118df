"""Which of a question part's scored candidate sentences the extractive reader answers with.

The best sentence, and further ones that come close, cite a further article only when closer
still, and add some of what the question asks (`pick`); for a question about now, the newest
source's answer, with the earlier state when it reports a change (`newest_first`).
`ExtractiveReader` (extractive.py) scores the candidates and calls `pick` on each answered part.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from rag.answer.reader.candidates import Candidate
from rag.answer.reader.features import coverage, matched, term_weights
from rag.answer.reader.values import reports_change
from rag.core.config import ReaderSettings
from rag.core.types import QuestionPart
from rag.text.dates import date_key

# (candidate index, probability, state: "earlier", "now" or None), best first.
Pick = tuple[int, float, str | None]
# The candidates' embeddings (rows aligned with the candidates given); None without an embedder.
Vectors = Callable[[list[Candidate]], np.ndarray | None]


def pick(part: QuestionPart, cands: list[Candidate], probs: np.ndarray, s: ReaderSettings,
         idf: Callable[[str], float], vectors: Vectors) -> list[Pick]:
    """The sentences that answer `part`, best first, from each candidate's probability."""
    order = [int(i) for i in np.argsort(-probs, kind="stable")]
    if part.about_now:
        timeline = newest_first(order, probs, cands, s, vectors)
        if timeline:
            return timeline
    best = order[0]
    weights = term_weights(part, idf)
    covered = matched(cands[best], weights, s.related_credit)
    chosen = [best]
    for i in order[1:]:
        if len(chosen) >= s.max_sentences or probs[i] < s.relative_score * probs[best]:
            break
        # Citing a further article dilutes the answer's proof: it must come closer.
        if cands[i].source not in {cands[j].source for j in chosen} and (
                probs[i] < s.other_source_relative_score * probs[best]):
            continue
        # A further sentence must add some of what the question asks, or it repeats.
        if coverage(cands[i], weights, s.related_credit, covered) >= s.min_new_coverage:
            chosen.append(i)
            for t, c in matched(cands[i], weights, s.related_credit).items():
                covered[t] = max(c, covered.get(t, 0.0))
    return [(i, float(probs[i]), None) for i in chosen]


def newest_first(order: list[int], probs: np.ndarray, cands: list[Candidate], s: ReaderSettings,
                 vectors: Vectors) -> list[Pick]:
    """A question about now is answered from the newest source that answers it nearly as
    well as the best (`recent_relative_score`). When that source reports a change ("nicht
    mehr", "künftig") and an older source answers too, the older statement comes first,
    as the earlier state. Empty when no answering source is dated."""
    best = order[0]
    close = [i for i in order if probs[i] >= s.recent_relative_score * probs[best]]
    dated = [i for i in close if cands[i].date]
    if not dated:
        return []
    newest = max(dated, key=lambda i: (date_key(cands[i].date), probs[i]))
    paired = state_pair(order, probs, cands, newest, s, vectors)
    if paired:
        return paired
    older = [i for i in dated if cands[i].source != cands[newest].source
             and date_key(cands[i].date) < date_key(cands[newest].date)]
    if older and reports_change(cands[newest].text):
        earlier = max(older, key=lambda i: probs[i])
        return [(earlier, float(probs[earlier]), "earlier"), (newest, float(probs[newest]), "now")]
    return [(newest, float(probs[newest]), None)]


def state_pair(order: list[int], probs: np.ndarray, cands: list[Candidate], newest: int,
               s: ReaderSettings, vectors: Vectors) -> list[Pick]:
    """The earlier and the current state as a pair: a sentence of the newest source that
    reports a change ("nicht mehr", "künftig") and the older sentence it is closest to
    (cosine of their embeddings), when both answer the question at least
    `state_relative_score` x the best and the pair is at least `state_pair_min_cosine`
    alike. A change statement and the statement it overturns share their words, while
    the older statement alone often scores far below the newest ("weiterhin der
    exklusive Cloud-Anbieter": 0.25 of the best). Empty without an embedder."""
    bar = s.state_relative_score * probs[order[0]]
    source, date = cands[newest].source, date_key(cands[newest].date)
    now = [i for i in order if probs[i] >= bar and cands[i].source == source and reports_change(cands[i].text)]
    before = [i for i in order if probs[i] >= bar and cands[i].date and cands[i].source != source
              and date_key(cands[i].date) < date]
    if not now or not before:
        return []
    embedded = vectors([cands[i] for i in now + before])
    if embedded is None:
        return []
    similarity = embedded[:len(now)] @ embedded[len(now):].T
    a, b = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
    if similarity[a, b] < s.state_pair_min_cosine:
        return []
    earlier, current = before[b], now[a]
    return [(earlier, float(probs[earlier]), "earlier"), (current, float(probs[current]), "now")]
