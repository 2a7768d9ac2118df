"""Sentence spans with exact character offsets, for German and English news text.

Hand-written because the extractive answerer and the citation verifier need *offsets*, and
no maintained splitter offers German abbreviations plus spans offline (pysbd is unmaintained;
LangChain's splitters return text only). Rules: split after . ! ? … when followed by a
capital/quote/digit (with or without a space, since scraped text often glues sentences:
"betreiben."Dazu"), and at line breaks; never after a known abbreviation or an ordinal date.
"""

from __future__ import annotations

import re

from rag.text.lexicon import ABBREVIATIONS, REFERS_BACK

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'»«“”„)]*(?=\s*[\"'„“»(]?[A-ZÄÖÜ0-9])|\n+")
# What sentence spans depend on (rag.ingest.chunking.chunker_id fingerprints it).
SPLITTING_RULES = (_BOUNDARY.pattern, " ".join(sorted(ABBREVIATIONS)), REFERS_BACK.pattern)


def _ends_with_abbreviation(text: str) -> bool:
    tail = text.rstrip(".\"'»«“”„) ")
    word = re.split(r"[\s(]", tail)[-1].casefold() if tail else ""
    if word in ABBREVIATIONS or len(word) == 1:  # single letters: initials, "z. B."
        return True
    # "am 17. Oktober", "1. Platz": a number with a period is an ordinal, not an end.
    return bool(re.fullmatch(r"\d{1,2}", word))


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, shifted by `offset`; whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end() if match.group(0).strip() else match.start()
        piece = text[start:end]
        if not piece.strip():
            start = match.end()
            continue
        if (
            not match.group(0).startswith("\n")
            and piece.rstrip().endswith(".")
            and _ends_with_abbreviation(piece)
        ):
            continue
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s + offset, e + offset))
    return trimmed


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def refers_back(sentence: str) -> bool:
    """Does the sentence open by pointing back ("Dieses Team ...", "Zu dieser Zeit ...")?
    Then it does not stand alone: its previous sentence goes with it."""
    return bool(REFERS_BACK.match(sentence))
