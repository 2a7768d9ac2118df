"""The extractive reader's answer as text: its chosen sentences with their passage markers
(`answer_text`), and the note on the parts of a compound question it leaves unanswered.
"""

from __future__ import annotations

from typing import Sequence

from rag.answer.reader.extractive import Selected
from rag.text.dates import display_date
from rag.text.lexicon import ANSWER_LEADS, STATE_LEADS, UNANSWERED_PARTS
from rag.text.sentences import split_sentences


def answer_text(selected: Sequence[Selected], language: str = "de") -> str:
    """The chosen sentences, each with its passage marker before its final punctuation. An
    English question gets the German sentences behind a short English lead: nothing is
    translated, so nothing can be mistranslated. A change over time shows each state with
    the date it was reported ("Stand 2023-01: ... [1] Stand 2025-01: ... [2]")."""
    parts = []
    for chosen in selected:
        # Each sentence carries its marker, the antecedent a chosen sentence brings along too:
        # a sentence without one is an unmarked claim, which verification must search every
        # passage for (its survey tagged every window: 13 times over the 94 seeds questions).
        sentence = " ".join(_marked(s, chosen.number) for s in split_sentences(chosen.text.strip()))
        if chosen.state and chosen.date:
            lead = STATE_LEADS.get(language, STATE_LEADS["de"])
            sentence = lead.format(date=display_date(chosen.date, chosen.date_source)) + " " + sentence
        parts.append(sentence)
    lead = ANSWER_LEADS.get(language)
    if lead and parts and not any(c.state for c in selected):
        return f"{lead} " + " ".join(parts)
    return " ".join(parts)


def _marked(sentence: str, number: int) -> str:
    """ "... Microsoft [1]." : the marker before the final punctuation, a period closing a
    sentence that has none (a heading line)."""
    tail = sentence[-1] if sentence[-1] in ".!?" else "."
    body = sentence[:-1] if sentence[-1] in ".!?" else sentence
    return f"{body} [{number}]{tail}"


def unanswered_note(unanswered: Sequence[str], language: str = "de") -> str:
    """"Keine Antwort in den Dokumenten auf: wer ist beteiligt?" for the parts of a compound
    question left unanswered; said after the verified answer, since it cites nothing."""
    if not unanswered:
        return ""
    note = UNANSWERED_PARTS.get(language, UNANSWERED_PARTS["de"])
    return note.format(parts="; ".join(p.strip() for p in unanswered))
