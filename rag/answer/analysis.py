"""What a question asks for, analysed once into a `QuestionAnalysis` that every later step
(retrieval, the reader, evidence, prompts) receives.

"Wie viele ...?" is only answered by a sentence with a number, "Wann ...?" by one with a date,
"Wer ...?" by one that names someone. Checking that is the cheapest guard against answering
with a sentence that merely repeats the question's words, the usual way an extractive
answerer fails on unanswerable questions (the sentence side is `rag.answer.reader.values`).

Hand-written: NER models for German need a model hub or GPL name lists, and these checks only
need the shape of a value, not its class.
"""

from __future__ import annotations

import re

from rag.answer.focus import question_focus
from rag.core.types import QuestionAnalysis, QuestionPart
from rag.text.language import detect_language
from rag.text.lexicon import (
    ASKING_WORDS,
    BOUND_QUESTION,
    CALENDAR_FILLER,
    ENGLISH_FUNCTION_WORDS,
    NAME_QUESTION,
    PRESENT_QUESTION,
    QUANTITY_QUESTION,
    SECOND_QUESTION,
    TIME_QUESTION,
)
from rag.text.terms import tokenize


def analyze_question(question: str) -> QuestionAnalysis:
    """The question's language and its parts, each with what it asks for and its terms."""
    language = detect_language(question)
    whole = _part(question, language)
    texts = split_question(question)
    if len(texts) == 1:
        return QuestionAnalysis(text=question, language=language, whole=whole, parts=(whole,))
    first = _part(texts[0], language)
    parts = [first] + [_part(with_subject(t, texts[0], first.focus), language) for t in texts[1:]]
    return QuestionAnalysis(text=question, language=language, whole=whole, parts=tuple(parts))


def with_subject(part: str, first: str, first_focus: tuple[str, ...] = ()) -> str:
    """A later sub-question that names nothing but what it asks for ("... und wer ist
    beteiligt?", "... und wer ist an Bord?") is about what the first part names: the first
    part's names and nouns (not its focus: "Wie viel Geld soll in Stargate fließen" lends
    "Stargate", not "Geld") are added in brackets, so the part is searched and scored for
    them. One that names something of its own ("... und wie lange reift Bergkäse?") stands
    alone."""
    focus = set(question_focus(part))
    if any(not set(tokenize(w)) <= focus for w in _capitalised(part)):
        return part
    lent = [w for w in _capitalised(first) if not set(tokenize(w)) & set(first_focus)]
    return f"{part.rstrip(' ?')} ({' '.join(lent)})?" if lent else part


def _capitalised(text: str) -> list[str]:
    """Capitalised words after the first: a question's names and nouns."""
    return [w for w in re.findall(r"[\w-]+", text)[1:] if w[:1].isupper()]


def _part(text: str, question_language: str) -> QuestionPart:
    return QuestionPart(
        text=text,
        language=detect_language(text),
        expected=expected_answer_type(text),
        about_now=bool(PRESENT_QUESTION.search(text)),
        bound=next((b for b, q in BOUND_QUESTION.items() if q.search(text)), None),
        topic_terms=topic_terms(text, question_language),
        subject_terms=frozenset(subject_terms(text)),
        focus=question_focus(text, question_language),
    )


def split_question(question: str) -> list[str]:
    """The sub-questions of a compound question ("Wie viel ..., und wer ...?"), each of
    which needs its own answer sentence; a simple question is returned as is."""
    parts = [p.strip(" ,?") + "?" for p in SECOND_QUESTION.split(question) if p.strip(" ,?")]
    return parts if len(parts) > 1 else [question]


def expected_answer_type(question: str) -> str | None:
    """"quantity", "time", "name" or None (anything: a reason, a description)."""
    if QUANTITY_QUESTION.search(question):
        return "quantity"
    if TIME_QUESTION.search(question):
        return "time"
    if NAME_QUESTION.search(question):
        return "name"
    return None


def topic_terms(question: str, language: str = "de") -> tuple[str, ...]:
    """The question's search terms, without its interrogative phrase: "wie viele", "wie hoch"
    say what kind of answer is wanted, not what it is about. Sorted, each once."""
    topic = CALENDAR_FILLER.sub(" ", TIME_QUESTION.sub(" ", ASKING_WORDS.sub(" ", question)))
    if language == "en":  # the tokenizer knows German stopwords only
        topic = " ".join(w for w in re.findall(r"[\w'-]+", topic) if w.casefold() not in ENGLISH_FUNCTION_WORDS)
    return tuple(sorted(set(tokenize(topic))))


def subject_terms(question: str) -> set[str]:
    """Terms of the question's capitalised words after the first: its names and nouns
    ("OpenAI", "Mitarbeiter"), not its verbs ("wurde") or the question word."""
    return set(tokenize(" ".join(_capitalised(question))))
