"""The extractive reader's answer as text: its chosen sentences with their passage markers
(`answer_text`), and the note on the parts of a compound question it leaves unanswered.
"""

from __future__ import annotations

from typing import Sequence

from rag.answer.reader.extractive import Selected
from rag.text.dates import display_date
from rag.text.lexicon import ANSWER_LEADS, STATE_LEADS, UNANSWERED_PARTS


def answer_text(selected: Sequence[Selected], language: str = "de") -> str:
    """The chosen sentences, each with its passage marker before its final punctuation. An
    English question gets the German sentences behind a short English lead: nothing is
    translated, so nothing can be mistranslated. A change over time shows each state with
    the date it was reported ("Stand 2023-01: ... [1] Stand 2025-01: ... [2]")."""
    parts = []
    for chosen in selected:
        body = chosen.text.strip()
        tail = body[-1] if body[-1] in ".!?" else "."
        body = body[:-1] if body[-1] in ".!?" else body
        sentence = f"{body} [{chosen.number}]{tail}"
        if chosen.state and chosen.date:
            lead = STATE_LEADS.get(language, STATE_LEADS["de"])
            sentence = lead.format(date=display_date(chosen.date, chosen.date_source)) + " " + sentence
        parts.append(sentence)
    lead = ANSWER_LEADS.get(language)
    if lead and parts and not any(c.state for c in selected):
        return f"{lead} " + " ".join(parts)
    return " ".join(parts)


def unanswered_note(unanswered: Sequence[str], language: str = "de") -> str:
    """"Keine Antwort in den Dokumenten auf: wer ist beteiligt?" for the parts of a compound
    question left unanswered; said after the verified answer, since it cites nothing."""
    if not unanswered:
        return ""
    note = UNANSWERED_PARTS.get(language, UNANSWERED_PARTS["de"])
    return note.format(parts="; ".join(p.strip() for p in unanswered))
