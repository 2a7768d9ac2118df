"""Sentence evidence for the extractive backend: candidates, expected answer type, scores.

Kept apart from the backend so the selection policy (how many sentences, when to refuse)
reads on its own, and so these pure functions can be tested without an index.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rag.lexical import tokenize
from rag.sentences import sentence_spans

# What a question asks for decides what its answer must contain: "Wie viele ...?" is only
# answered by a sentence with a number, "Wann ...?" only by one with a date. Checking that is
# the cheapest guard against answering with a sentence that merely repeats the question's
# words (the usual way an extractive answerer fails on unanswerable questions).
_QUANTITY_Q = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+hoch|wie\s+groß|wie\s+teuer|welche[nrs]?\s+(summe|betrag|anteil|höhe)"
    r"|auf\s+das\s+wievielfache|wievielfache|how\s+(much|many|high|large|big)"
    r"|what\s+(amount|sum|share|stake|percentage))\b",
    re.IGNORECASE,
)
# Only the asking words: a noun in the phrase ("welchen Anteil") still says what it is about.
_ASKING_WORDS = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+hoch|wie\s+groß|wie\s+teuer|wievielfache"
    r"|how\s+(much|many|high|large|big))\b",
    re.IGNORECASE,
)
_TIME_Q = re.compile(
    r"\b(wann|seit\s+wann|bis\s+wann|(in|seit|bis)(\s+zu)?\s+welche[mn]?\s+(jahr|monat)|welches\s+jahr"
    r"|when|(in|since|until|by)\s+(which|what)\s+(year|month)|what\s+year|which\s+year)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    "ein eine einen einer zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig"
    " dreißig hundert tausend hälfte drittel viertel dutzend one two three four five six seven"
    " eight nine ten twelve twenty hundred thousand half quarter dozen"
).split()
_MAGNITUDE = re.compile(
    r"\b(mio|mrd|millionen?|milliarden?|billionen?|million|billion|trillion|prozent|percent)\b"
    r"|%|\d+\s*-?\s*fache",
    re.IGNORECASE,
)
_MONTHS = re.compile(
    r"\b(januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
    r"|january|february|march|may|june|july|october|december)\b",
    re.IGNORECASE,
)
# Partial credit for a related (not identical) stem or a word of the previous sentence:
# evidence, but weaker than the word itself in the sentence.
RELATED_CREDIT = 0.5
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


# ", und wie viel ...", ", and which ...": a second question joined to the first.
_SECOND_QUESTION = re.compile(
    r",?\s+(?:und|sowie|and)\s+(?=(?:wie|wer|wen|wem|was|wann|wo|welche[mnrs]?|warum|mit\s+welche[mnrs]?"
    r"|an\s+welche[mnrs]?|how|what|which|who|when|where|why)\b)",
    re.IGNORECASE,
)


def split_question(question: str) -> list[str]:
    """The sub-questions of a compound question ("Wie viel ..., und wer ...?"), each of
    which needs its own answer sentence; a simple question is returned as is."""
    parts = [p.strip(" ,?") + "?" for p in _SECOND_QUESTION.split(question) if p.strip(" ,?")]
    return parts if len(parts) > 1 else [question]


def expected_answer_type(question: str) -> str | None:
    """"quantity", "time" or None (anything: a name, a reason, a description)."""
    if _QUANTITY_Q.search(question):
        return "quantity"
    if _TIME_Q.search(question):
        return "time"
    return None


def _numbers(text: str) -> set[str]:
    return {n.replace(".", "").replace(",", "") for n in _DIGITS.findall(text)}


def offers_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Does `sentence` hold a value of the expected kind that the question does not already
    name? Numbers and years copied from the question ("im Jahr 2024") answer nothing."""
    if kind is None:
        return True
    new_numbers = _numbers(sentence) - _numbers(question)
    if kind == "time":
        years = {y.group(0) for y in _YEAR.finditer(sentence)} - _numbers(question)
        months = {m.lower() for m in _MONTHS.findall(sentence)} - {
            m.lower() for m in _MONTHS.findall(question)}
        return bool(years or months)
    # A bare year is a date, not an amount; spelled-out numbers ("fünf Milliarden") count.
    amounts = {n for n in new_numbers if not _YEAR.fullmatch(n)}
    words = set(re.findall(r"\w+", sentence.casefold())) - set(re.findall(r"\w+", question.casefold()))
    return bool(amounts or (_MAGNITUDE.search(sentence) and (new_numbers or words & set(_NUMBER_WORDS))))


@dataclass(frozen=True)
class Candidate:
    number: int  # passage number, 1-based
    text: str
    source: str
    date: str | None
    terms: frozenset[str]
    # The previous sentence's terms: "Zu dieser Zeit ...", "Er ..." refer back to it.
    context: frozenset[str] = frozenset()


def candidates(passages) -> list[Candidate]:
    """Answer-sized sentences of the passages, each once (overlapping chunks repeat them)."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for number, hit in enumerate(passages, start=1):
        chunk = hit.chunk
        previous: frozenset[str] = frozenset()
        for s, e in sentence_spans(chunk.text):
            text = chunk.text[s:e]
            terms = frozenset(tokenize(text))
            context, previous = previous, terms
            # A question in the article (an FAQ heading, a rhetorical one) never answers one.
            if len(text.split()) < 4 or text.rstrip("\"'“”»«) ").endswith("?") or text in seen:
                continue
            seen.add(text)
            out.append(Candidate(number, text, chunk.source, chunk.date, terms, context))
    return out


def term_weights(question: str, idf) -> dict[str, float]:
    """Question terms with idf weights, floored at 1: in a small corpus about one topic the
    topic's own names (in every chunk) get an idf near 0, yet a sentence that does not
    mention them is about something else. The interrogative phrase ("wie viele", "wie hoch")
    says what kind of answer is wanted, not what it is about, so its words are no terms."""
    topic = _TIME_Q.sub(" ", _ASKING_WORDS.sub(" ", question))
    return {t: max(1.0, idf(t)) for t in set(tokenize(topic))}


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
    related stem or a match in the previous sentence only."""
    out = {}
    for t in weights:
        if t in c.terms:
            out[t] = 1.0
        elif t in c.context or any(_related(t, s) for s in c.terms):
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
