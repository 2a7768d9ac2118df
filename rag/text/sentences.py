"""Sentence spans with exact character offsets, for German and English news text.

spaCy's rule-based `sentencizer` over its German (or English) tokenizer does the hard part:
abbreviations ("z. B.", "u. a.", "Dr.", "Mrd."), ordinals and dates ("am 1. Mai", "die 3.
Liga"), numbers ("400.000", "23,5"), quotes. No model weights are involved. A few rules on
its output cover what it lacks for news text (measured on the 5 seeds and 200 10kGNAD
articles, /tmp/research/splitter.md: spaCy alone ran 18 sentences across line breaks):

1. A line break always ends a sentence (headlines, datelines, list items).
2. A number with a period that spaCy keeps as one token ends the sentence before a
   capitalised word when it cannot be an ordinal ("seit 1985. Sie", "endete 2:1. Danach"),
   or when the next word never follows an ordinal ("auf 92. Der"); never before a month.
3. Sentences glued without a space ('betreiben."Dazu', "Satz.Der") are split.
4. An opening quote left at the end of a sentence ("... sagte er. „Wir ...") moves to the
   sentence it opens.
5. A citation marker stays with the sentence before it ("Der Deal ist groß! [3]").
"""

from __future__ import annotations

import re
import sys
import threading
from functools import lru_cache
from importlib.metadata import version

from rag.text.lexicon import GENERIC_SUBJECT, MONTHS, REFERS_BACK, SENTENCE_OPENERS

_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_NUMBER_WITH_PERIOD = re.compile(r"^(\d+(?:[.,:/]\d+)*)\.$")
_GLUED = re.compile(r"(?<=[a-zäöüß0-9%)][.!?])([\"“”»']?)(?=[A-ZÄÖÜ][a-zäöüß])")
_OPENING_QUOTES = "„»\"“"
_MARKERS = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\](?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*")
_lock = threading.Lock()
_import_lock = threading.Lock()

# What sentence spans depend on (rag.ingest.chunking.chunker_id fingerprints it): the rules
# here, and spaCy's tokenizer exceptions, which follow its version.
SPLITTING_RULES = ("spacy-sentencizer+rules-v1", f"spacy {version('spacy')}", _NUMBER_WITH_PERIOD.pattern,
                   _GLUED.pattern, _MARKERS.pattern, " ".join(sorted(SENTENCE_OPENERS)), MONTHS.pattern,
                   REFERS_BACK.pattern)


def _import_spacy():
    """spaCy, imported without torch. spaCy's thinc probes for torch at import and imports
    it when installed (measured: `import spacy` 18 s and 283 MB with torch, 6 s and 98 MB
    without, on the loaded 2-core machine); the sentencizer uses no model and never needs
    it. A None entry in sys.modules makes `import torch` raise ImportError, which thinc
    handles; the entry is removed at once, so a later `import torch` works as usual."""
    with _import_lock:
        if "torch" in sys.modules:
            import spacy

            return spacy
        sys.modules["torch"] = None  # type: ignore[assignment]
        try:
            import spacy
        finally:
            if "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]
        return spacy


@lru_cache(maxsize=2)
def _pipeline(language: str):
    spacy = _import_spacy()
    nlp = spacy.blank(language if language in ("de", "en") else "de")
    nlp.add_pipe("sentencizer")
    return nlp


def _split_after_numbers(doc, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rule 2: end a sentence after "1985." when a capitalised word follows."""
    cuts = set()
    for tok, nxt in zip(doc, doc[1:]):
        m = _NUMBER_WITH_PERIOD.match(tok.text)
        if not m or not nxt.text[:1].isupper() or nxt.is_sent_start or MONTHS.fullmatch(nxt.text):
            continue
        number = m.group(1)
        may_be_ordinal = number.isdigit() and int(number) <= 31
        if not may_be_ordinal or nxt.text in SENTENCE_OPENERS:
            cuts.add(nxt.idx)
    return _cut(bounds, cuts)


def _cut(bounds: list[tuple[int, int]], cuts: set[int]) -> list[tuple[int, int]]:
    out = []
    for s, e in bounds:
        for c in sorted(c for c in cuts if s < c < e):
            out.append((s, c))
            s = c
        out.append((s, e))
    return out


def _keep_markers(line: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rule 5: no sentence starts at or inside a citation marker; it joins the one before."""
    inside = [(m.start(), m.end()) for m in _MARKERS.finditer(line)]
    out: list[tuple[int, int]] = []
    for s, e in bounds:
        start = s + len(line[s:e]) - len(line[s:e].lstrip())
        if out and any(a <= start < b for a, b in inside):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _move_opening_quotes(line: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rule 4: an opening quote after the last sentence end belongs to the next sentence."""
    out = list(bounds)
    for i in range(len(out) - 1):
        s, e = out[i]
        body = line[s:e].rstrip()
        if len(body) >= 2 and body[-1] in _OPENING_QUOTES and body[-2].isspace():
            cut = s + len(body) - 1
            out[i], out[i + 1] = (s, cut), (cut, out[i + 1][1])
    return out


def sentence_spans(text: str, offset: int = 0, language: str = "de") -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, shifted by `offset`; whitespace trimmed."""
    spans = _cached_spans(text, language) if len(text) <= _CACHED_CHARS else _spans(text, language)
    return [(s + offset, e + offset) for s, e in spans]


# Chunk-sized texts are cached: the reader cuts every retrieved chunk on every request, and the
# chunks a server retrieves recur (cutting was 0.6 s of 6.1 s for 40 seeds questions asked once
# each). Whole documents, which an index build cuts once each, are not: 8,192 entries of at most
# 4,000 characters (~1.5 KB an entry at the default chunk size) stay bounded.
_CACHED_CHARS = 4000


@lru_cache(maxsize=8192)
def _cached_spans(text: str, language: str) -> tuple[tuple[int, int], ...]:
    return _spans(text, language)


def _spans(text: str, language: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    nlp = _pipeline(language)
    for m in _LINE.finditer(text):
        line = m.group()
        if not line.strip():
            continue
        with _lock:  # a spaCy pipeline is not documented as thread-safe
            doc = nlp(line)
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
        bounds = _split_after_numbers(doc, bounds)
        bounds = _cut(bounds, {g.end() for g in _GLUED.finditer(line)})
        bounds = _keep_markers(line, bounds)
        for s, e in _move_opening_quotes(line, bounds):
            while s < e and line[s].isspace():
                s += 1
            while e > s and line[e - 1].isspace():
                e -= 1
            if e > s:
                spans.append((m.start() + s, m.start() + e))
    return tuple(spans)


def split_sentences(text: str, language: str = "de") -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, language=language)]


def refers_back(sentence: str) -> bool:
    """Does the sentence open by pointing back ("Dieses Team ...", "Zu dieser Zeit ...")?
    Then it does not stand alone: its previous sentence goes with it."""
    return bool(REFERS_BACK.match(sentence))


def names_subject_elsewhere(sentence: str) -> bool:
    """Is the sentence's subject only a role or a kind ("Das Unternehmen bleibt ...", "Der
    45-Jährige ...")? Then who it is about is named before it. The chunker does not use
    this (its rules derive the chunk ids); the reader quotes such a sentence with the one
    before it."""
    return bool(GENERIC_SUBJECT.match(sentence))
