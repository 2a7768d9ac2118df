"""Candidate answer sentences of the retrieved passages, each with its stemmed terms, where it
stands (passage rank, document offset), its neighbours (a sentence that points back is
read together with the one before it) and, when the index stored it, its vector."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.text.sentences import names_subject_elsewhere, refers_back, sentence_spans
from rag.text.terms import tokenize


@dataclass(frozen=True)
class Candidate:
    number: int  # passage number, 1-based (the passage's retrieval rank)
    text: str
    source: str
    date: str | None
    terms: frozenset[str]
    # The previous sentence's terms: "Zu dieser Zeit ...", "Er ..." refer back to it.
    context: frozenset[str] = frozenset()
    previous: str = ""
    following: frozenset[str] = frozenset()  # the next sentence's terms
    start: int = 0  # document offsets of the sentence
    end: int = 0
    date_source: str | None = None  # see Document.date_source
    # Its embedding as the index stored it (`Hit.sentences`), or None: the reader encodes it.
    vector: Any = field(default=None, compare=False, repr=False)

    @property
    def points_back(self) -> bool:
        """Opens by pointing back ("Dieses Team ...") to a previous sentence it has: the two
        are read, scored and quoted together."""
        return bool(self.previous) and refers_back(self.text)

    @property
    def needs_antecedent(self) -> bool:
        """Points back, or names its subject only by a role ("Das Unternehmen bleibt ..."):
        it is quoted with the sentence before it, so an answer names what it is about. (Only
        a sentence that points back is also scored with its antecedent's words: a role
        subject leaves the rest of the sentence to stand on its own.)"""
        return self.points_back or (bool(self.previous) and names_subject_elsewhere(self.text))

    def with_antecedent(self) -> list[str]:
        """The sentence, preceded by the one it points back to or that names its subject."""
        return [self.previous.strip(), self.text] if self.needs_antecedent else [self.text]


def candidates(passages) -> list[Candidate]:
    """Answer-sized sentences of the passages, each once (overlapping chunks repeat them).
    A sentence that opens one chunk but follows its antecedent in another keeps the first
    chunk's rank and gets the antecedent: it is the same sentence of the same document."""
    out: list[Candidate] = []
    seen: dict[str, int] = {}
    for number, hit in enumerate(passages, start=1):
        chunk = hit.chunk
        spans = sentence_spans(chunk.text)
        texts = [chunk.text[s:e] for s, e in spans]
        stored = _stored_vectors(hit, spans)
        terms = [frozenset(tokenize(t)) for t in texts]
        for i, ((s, e), text) in enumerate(zip(spans, texts)):
            # A question in the article (an FAQ heading, a rhetorical one) never answers one.
            if len(text.split()) < 4 or text.rstrip("\"'“”»«) ").endswith("?"):
                continue
            context = terms[i - 1] if i else frozenset()
            previous = texts[i - 1] if i else ""
            if text in seen:
                j = seen[text]
                if i and not out[j].previous and out[j].source == chunk.source and out[j].start == chunk.start + s:
                    out[j] = replace(out[j], context=context, previous=previous)
                continue
            seen[text] = len(out)
            out.append(Candidate(
                number, text, chunk.source, chunk.date, terms[i], context=context, previous=previous,
                following=terms[i + 1] if i + 1 < len(terms) else frozenset(),
                start=chunk.start + s, end=chunk.start + e, date_source=chunk.date_source,
                vector=stored[i] if stored is not None else None))
    return out


def _stored_vectors(hit, spans: list[tuple[int, int]]):
    """The hit's stored sentence vectors, one per span, when they are of exactly these spans
    (an index cut its chunks' sentences by the same rules); else None."""
    stored = getattr(hit, "sentences", None)
    if stored is None or len(stored.spans) != len(spans):
        return None
    if len(spans) and not np.array_equal(stored.spans, np.asarray(spans, dtype=np.int32).reshape(-1, 2)):
        return None
    return stored.vectors
