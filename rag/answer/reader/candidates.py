"""Candidate answer sentences of the retrieved passages, each with its stemmed terms and the
sentence before it (which a sentence that points back is read together with)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.text.sentences import refers_back, sentence_spans
from rag.text.terms import tokenize


@dataclass(frozen=True)
class Candidate:
    number: int  # passage number, 1-based
    text: str
    source: str
    date: str | None
    terms: frozenset[str]
    # The previous sentence's terms: "Zu dieser Zeit ...", "Er ..." refer back to it.
    context: frozenset[str] = frozenset()
    previous: str = ""

    @property
    def points_back(self) -> bool:
        """Opens by pointing back ("Dieses Team ...") to a previous sentence it has: the two
        are read, scored and quoted together."""
        return bool(self.previous) and refers_back(self.text)

    def with_antecedent(self) -> list[str]:
        """The sentence, preceded by the one it points back to."""
        return [self.previous.strip(), self.text] if self.points_back else [self.text]


def candidates(passages) -> list[Candidate]:
    """Answer-sized sentences of the passages, each once (overlapping chunks repeat them)."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for number, hit in enumerate(passages, start=1):
        chunk = hit.chunk
        previous, previous_text = frozenset(), ""
        for s, e in sentence_spans(chunk.text):
            text = chunk.text[s:e]
            terms = frozenset(tokenize(text))
            context, previous = previous, terms
            before, previous_text = previous_text, text
            # A question in the article (an FAQ heading, a rhetorical one) never answers one.
            if len(text.split()) < 4 or text.rstrip("\"'“”»«) ").endswith("?") or text in seen:
                continue
            seen.add(text)
            out.append(Candidate(number, text, chunk.source, chunk.date, terms, context, before))
    return out
