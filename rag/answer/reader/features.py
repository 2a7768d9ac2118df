"""Sentence evidence for the extractive backend: candidates and question-term coverage.

Kept apart from the backend so the selection policy (how many sentences, when to refuse)
reads on its own, and so these pure functions can be tested without an index.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rag.answer.analysis import ASKING_WORDS, CALENDAR_FILLER, TIME_Q, refers_back
from rag.text.language import ENGLISH_FUNCTION_WORDS
from rag.index.local.lexical import tokenize
from rag.text.sentences import sentence_spans

# Partial credit for a related (not identical) stem or a word of the previous sentence:
# evidence, but weaker than the word itself in the sentence.
RELATED_CREDIT = 0.5


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


def term_weights(question: str, idf, language: str = "de") -> dict[str, float]:
    """Question terms with idf weights, floored at 1: in a small corpus about one topic the
    topic's own names (in every chunk) get an idf near 0, yet a sentence that does not
    mention them is about something else. The interrogative phrase ("wie viele", "wie hoch")
    says what kind of answer is wanted, not what it is about, so its words are no terms."""
    topic = CALENDAR_FILLER.sub(" ", TIME_Q.sub(" ", ASKING_WORDS.sub(" ", question)))
    if language == "en":  # the tokenizer knows German stopwords only
        topic = " ".join(w for w in re.findall(r"[\w'-]+", topic) if w.casefold() not in ENGLISH_FUNCTION_WORDS)
    return {t: max(1.0, idf(t)) for t in set(tokenize(topic))}


def subject_terms(question: str) -> set[str]:
    """Terms of the question's capitalised words after the first: its names and nouns
    ("OpenAI", "Mitarbeiter"), not its verbs ("wurde") or the question word."""
    words = re.findall(r"[\w-]+", question)[1:]
    return set(tokenize(" ".join(w for w in words if w[:1].isupper())))


def _related(a: str, b: str) -> bool:
    """Stems the Snowball stemmer failed to unite: inflection ("lauft"/"laufend") shares a
    long prefix, a German compound shares its head ("datenzentr"/"rechenzentr")."""
    short = min(len(a), len(b))
    if short < 4:
        return False
    prefix = len(os.path.commonprefix([a, b]))
    suffix = len(os.path.commonprefix([a[::-1], b[::-1]]))
    return prefix >= max(4, 0.8 * short) or suffix >= 5


def matched(c: Candidate, weights: dict[str, float]) -> dict[str, float]:
    """Question term -> 1 for an exact stem match in the sentence, RELATED_CREDIT for a
    related stem or a match in the previous sentence only. A sentence that points back
    ("Zu dieser Zeit ...") is answered together with its previous sentence, so a match
    there counts in full."""
    out = {}
    context_credit = 1.0 if c.points_back else RELATED_CREDIT
    for t in weights:
        if t in c.terms:
            out[t] = 1.0
        elif t in c.context:
            out[t] = context_credit
        elif any(_related(t, s) for s in c.terms):
            out[t] = RELATED_CREDIT
    return out


def coverage(c: Candidate, weights: dict[str, float],
             already: dict[str, float] | None = None) -> float:
    """Share of the question's term weight the sentence covers, beyond what `already`
    (the sentences chosen so far) covers."""
    total = sum(weights.values()) or 1.0
    already = already or {}
    hits = matched(c, weights)
    return sum(weights[t] * max(0.0, credit - already.get(t, 0.0)) for t, credit in hits.items()) / total
