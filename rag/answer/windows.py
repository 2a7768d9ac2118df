"""The windows of a passage a claim is checked against (rag/answer/support.py): one sentence,
a sentence with the one before it that it points back to, a sentence read under its headline,
and, when none of those supports the claim, a few linked sentences read together.

An answer joins facts the article tells in several sentences ("Andreas Mogensen, ein
38-jähriger Ingenieur und Astronaut, ..." from a sentence naming him and one describing him).
Such a claim is supported by the sentences together when each brings a word of it that the
others lack and they are about the same thing: they share a name or noun, or a later one
points back to the one before it. The role checks then read each claim clause against the
sentence of the window that tells its event (rag/answer/roles.py), so facts of two sentences
joined with roles swapped still fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from rag.core.types import Chunk
from rag.text.lexicon import DATELINE, FUNCTION_WORDS
from rag.text.sentences import refers_back
from rag.text.terms import tokenize

_HEADING_END = tuple(".!?…\"“”»:;,")
_DEFINITE = re.compile(r"^(?:Der|Die|Das|Den|Dem|Des)\s+(?:[a-zäöüß]\w*\s+){0,2}([A-ZÄÖÜ][\w-]+)")
_CAPITALISED = re.compile(r"(?<![\w-])[A-ZÄÖÜ][\w-]+")


@dataclass(frozen=True)
class Window:
    parts: tuple[int, ...]  # sentence indexes, ascending
    headline: str  # the context it is read under ("" for a plain window)

    @property
    def first(self) -> int:
        return self.parts[0]

    @property
    def last(self) -> int:
        return self.parts[-1]

    @property
    def single(self) -> bool:
        return len(self.parts) == 1 and not self.headline


def windows(chunk: Chunk, spans: list[tuple[int, int]], texts: list[str]) -> list[Window]:
    """Single sentences, pairs that point back, and sentences under their headline."""
    out = [Window((i,), "") for i in range(len(spans))]
    out += [Window((i, i + 1), "") for i in range(len(spans) - 1)
            if refers_back(texts[i + 1]) or continues(texts[i], texts[i + 1])]
    for i, headline in enumerate(headlines(chunk, spans, texts)):
        if headline:
            out.append(Window((i,), headline))
    return out


def joined_windows(claim: str, texts: list[str], heads: list[str], size: int, reach: int) -> list[Window]:
    """Sets of 2..`size` sentences at most `reach` sentences apart that are linked and each
    bring a word of the claim the others lack; each plain and, where the first has one, under
    its headline."""
    wanted = set(tokenize(claim))
    cover = [wanted & set(tokenize(t)) for t in texts]
    useful = [i for i, c in enumerate(cover) if c]
    out: list[Window] = []
    for n in range(2, size + 1):
        for combo in combinations(useful, n):
            if combo[-1] - combo[0] > reach:
                continue
            if any(not cover[i] - set().union(*(cover[j] for j in combo if j != i)) for i in combo):
                continue  # a sentence that adds nothing is not part of the claim's support
            if not all(_linked(texts, combo[:k], combo[k]) for k in range(1, n)):
                continue
            out.append(Window(combo, ""))
            if heads[combo[0]]:
                out.append(Window(combo, heads[combo[0]]))
    return out


def _entities(text: str) -> set[str]:
    """Stems of the capitalised words (names and nouns; a sentence's first word too, which
    may be a name: "Kucharowits lehnt ... ab")."""
    return {s for w in _CAPITALISED.findall(text) if w.casefold() not in FUNCTION_WORDS
            for s in tokenize(w) if len(s) >= 3}


def _linked(texts: list[str], before: tuple[int, ...], i: int) -> bool:
    """Is sentence i about what the sentences `before` are: it follows one of them (a news
    text goes on about what it just said: "... lehnt Kucharowits es ab, den Antrag
    vorzulegen. Dem Vernehmen nach wirft die JG in diesem Text ..."), or they share a name
    or noun?"""
    if i - 1 in before:
        return True
    # Through the sentences between them: each follows the one before it.
    between = set().union(*(_entities(texts[k]) for k in range(before[-1] + 1, i)))
    mine = _entities(texts[i]) | between
    return any(mine & _entities(texts[j]) for j in before)


def continues(before: str, sentence: str) -> bool:
    """Does the sentence open with a definite description of something the sentence before
    introduced ("... Autor eines neuen Gesetzesentwurfs. Der Gesetzesentwurf ist ...")?"""
    m = _DEFINITE.match(sentence)
    stems = tokenize(m.group(1)) if m else []
    return bool(stems) and any(w.startswith(stems[-1]) for w in tokenize(before))


def headlines(chunk: Chunk, spans: list[tuple[int, int]], texts: list[str]) -> list[str]:
    """For each sentence, what it is read under: the article's title, the teaser (the first
    chunk's sentences before the dateline) and the nearest heading line above it."""
    title = chunk.title.rstrip(" …") if chunk.title else ""
    lead_end = 0
    if chunk.start == 0:
        lead_end = next((i for i, t in enumerate(texts) if DATELINE.match(t)), 0)
    teaser = " ".join(texts[:lead_end])
    out, heading = [], ""
    for i, t in enumerate(texts):
        parts = [p for p in (title, teaser if i >= lead_end else "", heading) if p and p not in t]
        out.append("\n".join(dict.fromkeys(parts)))  # one part a line: each is read alone
        if _is_heading(chunk.text, spans[i][0] - chunk.start, spans[i][1] - chunk.start, t):
            heading = t
    return out


def _is_heading(text: str, start: int, end: int, sentence: str) -> bool:
    """A line of its own, short, without closing punctuation: "500 Milliarden für Stargate"."""
    alone = (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")
    return alone and not sentence.rstrip().endswith(_HEADING_END) and len(sentence.split()) <= 12
