"""The quantities of a clause: a number with its unit words ("49 %", "1,6 Milliarden Euro")
and the noun it counts, if one follows ("... Euro Flüchtlingskosten", "... Euro für
Sozialleistungen"); a bare year dates a statement and counts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.facts import numbers_in
from rag.answer.pieces import DETERMINERS, is_noun, phrase_key
from rag.text.lexicon import OWNER_PREPOSITIONS, QUANTITY_UNITS, UNIT_NOUNS
from rag.text.tagging import Token

_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass(frozen=True)
class Quantity:
    values: frozenset[str]  # numbers_in of the number with its units
    unit: str  # "%", "money" or ""
    owner: frozenset[str]  # the counted noun's key, empty when none follows
    year: bool = False  # a year: it dates a statement rather than counting in it


def quantities(clause: list[Token]) -> list[Quantity]:
    out = []
    for i, t in enumerate(clause):
        if t.tag != "CARD" or (i > 0 and clause[i - 1].tag == "CARD"):
            continue
        j = i + 1
        while j < len(clause) and (clause[j].tag == "CARD" or clause[j].word.casefold() in QUANTITY_UNITS
                                   or clause[j].lemma.casefold() in QUANTITY_UNITS):
            j += 1
        phrase = " ".join(x.word for x in clause[i:j])
        units = {QUANTITY_UNITS.get(x.word.casefold()) or QUANTITY_UNITS.get(x.lemma.casefold(), "")
                 for x in clause[i + 1:j]}
        unit = "%" if "%" in units else "money" if "money" in units else ""
        k = j
        while k < len(clause) and clause[k].tag in DETERMINERS:
            k += 1
        owner: frozenset[str] = frozenset()
        if k < len(clause) and clause[k].tag in ("APPR", "APPRART") and clause[k].lemma.casefold() in OWNER_PREPOSITIONS:
            k += 1
            while k < len(clause) and clause[k].tag in DETERMINERS:
                k += 1
        if k < len(clause) and is_noun(clause[k]) and clause[k].word.casefold() not in UNIT_NOUNS:
            e = k
            while e < len(clause) and is_noun(clause[e]):
                e += 1
            owner = phrase_key(clause[k:e])[0]
        if _YEAR.fullmatch(t.word) and j == i + 1:
            owner = frozenset()  # "2024 einen Verlust": a year dates, it counts nothing
        if values := frozenset(numbers_in(phrase)):
            out.append(Quantity(values, unit, owner, bool(_YEAR.fullmatch(t.word)) and j == i + 1))
    return out
