"""Names and dates a text mentions, for resolving follow-ups ("er", "dort", "damals").

German names are found by their tags (rag/answer/names.py), English ones by their capitals
(rag/answer/capitals.py). Hand-written: no German NER model is installable here
(../shared/MODELS.md), and resolving a follow-up needs only the names of one turn, not their
classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.facts import looks_english
from rag.text.language import detect_language
from rag.text.lexicon import ANSWER_LEAD
from rag.text.followup_lexicon import (
    COORDINATION,
    GENERIC_HEADS,
    GENERIC_HEADS as _HEADS,
    NAME_PARTICLES,
    NON_PERSON_NAME_WORDS,
    ORGANISATION_HEADS,
    PERSON_HEADS,
    PLACE_HEADS,
)

_PARTICLE_WORDS = frozenset(w for p in NAME_PARTICLES for w in p)
_LONG_HEADS = sorted((h for h in GENERIC_HEADS if len(h) >= 5), key=len, reverse=True)
_MARKER = re.compile(r"\s*\[\d+\]")
_LEADS = re.compile(ANSWER_LEAD.pattern.lstrip("^").replace(r")\s*", r")\s*", 1))
_MONTH_NAMES = (r"januar|jänner|februar|feber|märz|april|mai|juni|juli|august|september|oktober|november"
                r"|dezember|january|february|march|may|june|july|october|december")
_DATE = re.compile(rf"\b(?:\d{{1,2}}\.\s*)?(?:{_MONTH_NAMES})\s+(?:1[89]|20)\d{{2}}\b"
                   r"|\b(?:1[89]|20)\d{2}(?:-\d{2}(?:-\d{2})?)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    text: str  # the name as it is named ("Microsoft" for "Microsofts"), or the date
    start: int  # the span as written in the text it was found in
    end: int
    oblique: bool = False  # after a preposition ("von OpenAI"): rarely the subject
    titled: bool = False  # after a person's title ("Konzernchef Satya Nadella"): a person
    articled: bool = False  # right after an article ("die Silicon Valley Bank"): no person

    @property
    def person_like(self) -> bool:
        """A person, by its form: a title before it, or two to four plain words that name no
        organisation or place ("Sam Altman", "Ursula von der Leyen"; not "Real Madrid")."""
        if self.titled:
            return True
        if self.articled:
            return False
        words = self.text.split()
        plain = [w for w in words if w.casefold() not in _PARTICLE_WORDS]
        return (2 <= len(plain) <= 4 and all(w[:1].isupper() and w.replace("-", "").isalpha() and not shape_name(w)
                                             for w in plain)  # a double surname: "Johanna Mikl-Leitner"
                and not any(w.casefold() in NON_PERSON_NAME_WORDS for w in plain))


def clean_answer(text: str) -> str:
    """An answer's words without [n] markers and leads ("According to the documents:")."""
    return _LEADS.sub(" ", _MARKER.sub("", text or "")).strip()


def dates_in(text: str) -> list[Mention]:
    return [Mention(m.group(0), m.start(), m.end()) for m in _DATE.finditer(text)]


def shape_name(word: str) -> bool:
    """"OpenAI", "iPhone", "GPT-4", "EU": a name by its letters, in either language. A
    compound is judged by its last part: "KI-Team" and "US-Dollar" are nouns."""
    core = word.split("-")[-1].strip("'’")
    if "-" in word and core.isalpha() and core[1:].islower():
        return False  # "CO2-Preis", "G7-Gipfel"
    if any(c.isdigit() for c in word):
        return any(c.isalpha() for c in word) and not re.fullmatch(r"\d+[.,]?\d*[a-z]{0,2}", word)
    return len(core) >= 2 and core[0].isalpha() and any(c.isupper() for c in core[1:])


def generic_head(word: str) -> str | None:
    """The generic noun a word is, inflected or not ("Vereins", "Präsidenten" -> "verein",
    "präsident"); None for any other word."""
    low = word.casefold()
    for cut in (0, 1, 2):
        base = low[:len(low) - cut] if cut else low
        if base in _HEADS and (cut == 0 or low[len(base):] in ("s", "es", "n", "en")):
            return base
    # A compound names its kind last: "Chiphersteller", "Softwarekonzern", "carmaker".
    return next((h for h in _LONG_HEADS if low.endswith(h) and len(low) > len(h)), None)


def head_kind(word: str) -> str | None:
    """"person", "organisation", "place" or "thing" for a generic noun, compounds included
    ("Autohersteller" is an organisation); None for any other word."""
    head = generic_head(word) or next((h for h in sorted(_HEADS, key=len, reverse=True)
                                       if len(h) >= 4 and word.casefold().endswith(h)), None)
    if head is None:
        return None
    return ("person" if head in PERSON_HEADS else "organisation" if head in ORGANISATION_HEADS
            else "place" if head in PLACE_HEADS else "thing")


def names_in(text: str, default: str = "de") -> list[Mention]:
    """The names `text` mentions, in order, each once (by its name): German text by its tags
    (rag.answer.names), English text by its capitals. `default`: the language when the text's
    own words do not tell ("Keir Starmer became prime minister in July 2024")."""
    from rag.answer.capitals import capital_names  # both import Mention from here
    from rag.answer.names import german_names

    found = capital_names(text, True) if looks_english(text) or detect_language(text, default) == "en" \
        else german_names(text)
    return [m for m in found if len(m.text) > 1]  # an initial ("T. V. Narendran") names no one alone


def coordinated(text: str, names: list[Mention], first: str) -> list[str]:
    """`first` and the names joined to it in `text` ("Larry Page und Sergey Brin", "Oracle
    und der japanische Technologiekonzern Softbank"): what a plural pronoun means."""
    at = next((n for n, m in enumerate(names) if m.text == first), None)
    if at is None:
        return [first]
    group = [names[at]]
    for m in names[at + 1:]:
        gap = text[group[-1].end:m.start]
        if not COORDINATION.match(gap) or re.search(r"[.;:!?]", gap):
            break
        group.append(m)
    return [m.text for m in group]
