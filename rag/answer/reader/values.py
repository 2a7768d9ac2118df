"""Whether a sentence offers the kind of value a question asks for (a number, a date, a
name), and other sentence-side signals the reader scores: a reported change, a stated bound.
The question side is `rag.answer.analysis`."""

from __future__ import annotations

import re

from rag.core.types import QuestionPart
from rag.text.lexicon import (
    BOUND_WORDS,
    CHANGE_SENTENCE,
    DETERMINER,
    FUNCTION_WORDS,
    MAGNITUDE,
    MONTHS,
    NUMBER_WORDS,
)

YEAR = re.compile(r"\b(19|20)\d{2}\b")
# Any year from 1000 to 2099 answers "Wann ...?" (1517, 1872); only recent ones are too
# likely a date to count as an amount ("1500 Mitarbeiter" is one).
_ANY_YEAR = re.compile(r"\b(1\d|20)\d{2}\b")
_DATE = r"((1\d|20)\d{2}|" + MONTHS.pattern[2:-2] + ")"
# "bis 2030", "seit März 2024": a date with its bound's preposition.
_BOUND_S = {bound: re.compile(r"\b(" + words + r")\s+(\S+\s+){0,2}?" + _DATE + r"\b", re.IGNORECASE)
            for bound, words in BOUND_WORDS.items()}
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# "ChatGPT 4", "GPT-4", "DALL-E 2": a product's version is no amount.
_VERSION = re.compile(r"\b[A-Z][\w]*[A-Z][\w-]*[- ]\d{1,2}\b(?![.,]\d|\s*(%|prozent|percent|mio|mrd|milli|billi))")
# A name: two or more capitalised words in a row ("Mustafa Suleyman", "Thrive Capital").
# German capitalises every noun, but two nouns rarely stand side by side without an article
# or a preposition between them. Single-word names ("OpenAI") are too common in a corpus
# about companies to tell an answer from the topic.
_CAP_RUN = re.compile(r"[A-ZÄÖÜ][\w'&.-]*(?:\s+[A-ZÄÖÜ][\w'&.-]*)+")


def reports_change(sentence: str) -> bool:
    """Does the sentence report how things stand now or how they changed ("nicht mehr")?"""
    return bool(CHANGE_SENTENCE.search(sentence))


def states_bound(sentence: str, part: QuestionPart) -> bool | None:
    """For "Bis wann ...?" / "Seit wann ...?": does the sentence give a date with that bound
    ("bis 2030")? None when the question asks for no bound."""
    return None if part.bound is None else bool(_BOUND_S[part.bound].search(sentence))


def _numbers(text: str) -> set[str]:
    return {n.replace(".", "").replace(",", "") for n in _DIGITS.findall(_VERSION.sub(" ", text))}


def new_numbers(sentence: str, question: str) -> set[str]:
    """The numbers of `sentence` (digits, separators dropped) that `question` does not name."""
    return _numbers(sentence) - _numbers(question)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def names_in(sentence: str) -> set[str]:
    """Name-like spans of the sentence, leading function words ("Im März") stripped."""
    out = set()
    for run in _CAP_RUN.findall(sentence):
        words = run.split()
        while words and (words[0].casefold() in FUNCTION_WORDS or DETERMINER.fullmatch(words[0].casefold())):
            words = words[1:]
        if len(words) >= 2:
            out.add(" ".join(words).rstrip(".-"))
    return out


def offers_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Does `sentence` hold a value of the expected kind that the question does not already
    name? Numbers, years and names copied from the question ("im Jahr 2024") answer nothing."""
    if kind is None:
        return True
    if kind == "name":
        asked = _words(question)
        return any(_words(name) - asked for name in names_in(sentence))
    new_numbers = _numbers(sentence) - _numbers(question)
    if kind == "time":
        years = {y.group(0) for y in _ANY_YEAR.finditer(sentence)} - _numbers(question)
        months = {m.lower() for m in MONTHS.findall(sentence)} - {
            m.lower() for m in MONTHS.findall(question)}
        return bool(years or months)
    # A bare year is a date, not an amount; spelled-out numbers ("fünf Milliarden") count.
    amounts = {n for n in new_numbers if not YEAR.fullmatch(n)}
    words = _words(sentence) - _words(question)
    return bool(amounts or (MAGNITUDE.search(sentence) and (new_numbers or words & NUMBER_WORDS)))
