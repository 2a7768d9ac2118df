"""How prominent a name of an answer is, for the pronoun that refers back to it.

A pronoun in a follow-up prefers the most prominent entity of the answer (centering): one of
the answer's first clause (it answers the question: "Gold ging an X, Silber holte Y"), and in a
clause a core argument (subject, object) over a name inside a prepositional phrase ("At the
Unpacked event in Seoul, Samsung unveiled the Galaxy Z Fold 6"), and all over a name in the
backgrounded parts of the sentence, which assert nothing about it:
- the source of a report: "laut X", "according to X", "nach Angaben von X", "wie X berichtet",
  and the subject of a reporting verb whose complement follows ("Die Zeitung berichtet, dass
  ...", "The Times reports that ...": the reported clause is the news);
- a relative clause (", who lives in Texas,", ", dessen Kampagne X koordiniert") and an
  adverbial clause ("nachdem er 2023 pausiert hatte"; a "dass"/"that" complement is the news).
"dort"/"there" means where the answer's event happens: a locative "in X"/"at X" before a goal
"nach X" and an origin "aus X" ("Casper Ruud aus Norwegen"). A German pronoun agrees in gender
with its antecedent, and a name takes the gender of the article it has ("die Switch 2": sie;
"das Medikament Keytruda": es), a name without one is neuter (companies, towns, countries).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.facts import looks_english
from rag.answer.phrases import Word, phrases_of, words_of
from rag.text.language import detect_language
from rag.text.followup_lexicon import PLACE_HEADS, VENUE_HEADS
from rag.text.lexicon import REPORTING_VERBS

# Where a source phrase starts; it runs to the next verb or comma.
_SOURCE = re.compile(r"\b(?:laut|according\s+to|nach\s+(?:angaben|informationen|berichten|darstellung|einschätzung)"
                     r"(?:\s+(?:von|des|der|aus))?|as\s+reported\s+by|citing)\b", re.IGNORECASE)
# "der FAZ zufolge": the source stands before the postposition, from the clause's start.
_ZUFOLGE = re.compile(r"(?:^|[,;:.]\s*)(?P<source>[^,;:.]*?)\bzufolge\b", re.IGNORECASE)
_ENGLISH_REPORTING = frozenset("report reports reported say says said write writes wrote tell tells told claim "
                               "claims claimed announce announces announced state states stated".split())
_RELATIVE = frozenset("who whom whose which where der die das dem den deren dessen denen wo welche welcher "
                      "welches welchen welchem".split())
# "wie der ORF berichtet", "as the BBC reported": a parenthetical that names a source.
_AS_REPORTED = frozenset({"wie", "as"})
_COMPLEMENT = frozenset({"dass", "ob", "that", "whether"})
BACKGROUND = 1000
_PREP_RANK = {"in": 0, "im": 0, "at": 0, "bei": 0, "beim": 0, "nach": 1, "to": 1, "into": 1, "aus": 2, "from": 2}


def _reporting(w: Word) -> bool:
    return w.tag == "VERB" and (w.lemma.casefold() in REPORTING_VERBS or w.low in _ENGLISH_REPORTING
                                or w.lemma.casefold() in _ENGLISH_REPORTING)


def _words(text: str, lang: str = "de") -> tuple[Word, ...]:
    """Tagged in its language; `lang` when its own words do not tell (the conversation's)."""
    return words_of(text, english=looks_english(text) or detect_language(text, lang) == "en")


def _segments(words: tuple[Word, ...]) -> list[tuple[int, int]]:
    """Word index ranges between commas, semicolons and sentence ends."""
    out, start = [], 0
    for n, w in enumerate(words):
        if w.text in (",", ";", ".", "!", "?", "–", "(", ")"):
            if n > start:
                out.append((start, n))
            start = n + 1
    if start < len(words):
        out.append((start, len(words)))
    return out


@lru_cache(maxsize=1024)
def background_spans(text: str, lang: str = "de") -> tuple[tuple[int, int], ...]:
    """Character spans of `text` that assert nothing about the names in them: sources and
    relative clauses."""
    words = _words(text, lang)
    spans: list[tuple[int, int]] = []
    for m in _SOURCE.finditer(text):
        after = [w for w in words if w.start >= m.end()]
        stop = next((w for w in after if w.tag in ("VERB", "PUNCT")), None)
        spans.append((m.start(), stop.start if stop is not None else len(text)))
    spans += [(m.start("source"), m.end()) for m in _ZUFOLGE.finditer(text)]
    segments = _segments(words)
    for k, (a, b) in enumerate(segments):
        seg = words[a:b]
        first = seg[0]
        opener = seg[1] if first.tag == "PREP" and len(seg) > 1 else first
        relative = k > 0 and opener.low in _RELATIVE and opener.tag not in ("NOUN", "NAME") and (
            opener.low in ("who", "whom", "whose", "which", "where", "wo", "dessen", "deren", "denen")
            or (len(seg) > 1 and seg[-1].tag == "VERB"))  # German: the verb ends a relative clause
        reported = any(_reporting(w) for w in seg)
        parenthetical = reported and first.low in _AS_REPORTED
        after = words[segments[k + 1][0]] if k + 1 < len(segments) else None
        # "X berichtet, dass ...", "X reports that ...": the reporting clause itself; and one
        # after what it reports (", sagte Azevedo").
        frame = reported and not parenthetical and first.tag != "SUB" and (
            any(w.low == "that" for w in seg) or (after is not None and after.low in _COMPLEMENT)
            or (k > 0 and (_reporting(first) or _reporting(seg[-1]))))  # ", The Times reported"
        # An adverbial clause ("nachdem er 2023 pausiert hatte", "after Intel pulled out of
        # Magdeburg") is the background of the main clause's event; a complement ("dass") is not.
        adverbial = first.tag == "SUB" and first.low not in _COMPLEMENT
        if relative or parenthetical or adverbial:
            spans.append((seg[0].start, seg[-1].end))
        elif frame:
            cut = next((w for w in seg if w.low == "that" and w.start > seg[0].start), None)
            verb = next(w for w in seg if _reporting(w))
            end = cut.start if cut is not None and cut.start > verb.start else seg[-1].end
            spans.append((seg[0].start, end))
    return tuple(spans)


def backgrounded(text: str, start: int, lang: str = "de") -> bool:
    """The name at character `start` of `text` stands in a source or a relative clause."""
    return any(a <= start < b for a, b in background_spans(text, lang))


def _preposition(text: str, start: int, lang: str = "de") -> Word | None:
    """The preposition whose phrase holds the name at `start` ("at the Unpacked event in"), if any."""
    words = _words(text, lang)
    before = [w for w in words if w.end <= start]
    rest = [w for w in words if w.start >= start]
    following = next((w for w in rest if w.tag not in ("NAME", "NOUN", "NUM")), None)
    # A list goes on after the name ("von SPD, Grünen und FDP"): a comma before it joins, not closes.
    listed = following is not None and (following.tag == "CONJ" or following.text == ",")
    for n in range(len(before) - 1, -1, -1):
        w = before[n]
        if w.tag == "PREP":  # a passive's agent is a core argument: "built by Tesla"
            return None if w.low in ("by", "durch") else w
        if w.tag == "CONJ":
            if n == 0 or before[n - 1].tag not in ("NAME", "NOUN"):
                return None  # "Finland joined NATO in 2023 and Sweden in 2024": a clause of its own
            listed = True
        elif w.text == "," and not listed:
            return None  # "Ahead of X and Y, Noah Lyles won": the comma closes the phrase
        elif w.tag not in ("DET", "POSS", "ADJ", "NUM", "NOUN", "NAME", "POS", "MONTH") and w.text != ",":
            return None
    return None


def _clause_index(text: str, start: int, lang: str) -> int:
    """How many clauses of `text` come before the one holding `start`. A stretch between commas
    with no verb belongs to the clause before it ("by Jensen Huang, Chris Malachowsky and Curtis
    Priem"), or to the one after it when none is before ("Ahead of X and Y, Noah Lyles won")."""
    words = _words(text, lang)
    clauses = -1
    for a, b in _segments(words):
        if any(w.tag == "VERB" for w in words[a:b]):
            clauses += 1
        if words[b - 1].end >= start:
            break
    return max(clauses, 0)


def prominence(text: str, start: int, lang: str = "de") -> int:
    """Lower is more prominent: the first clause before a later one (it answers the question:
    "Gold ging an X, Silber holte Y"), within a clause a core argument (0) before a name inside a
    prepositional phrase (1); a backgrounded name last (BACKGROUND)."""
    if backgrounded(text, start, lang):
        return BACKGROUND
    return 10 * _clause_index(text, start, lang) + (1 if _preposition(text, start, lang) is not None else 0)


def place_rank(text: str, start: int, lang: str = "de") -> tuple[int, int]:
    """Lower is likelier the place "dort"/"there" means: not backgrounded, then in/at before
    nach/to before aus/from."""
    prep = _preposition(text, start, lang)
    return (int(backgrounded(text, start, lang)), _PREP_RANK.get(prep.low, 3) if prep is not None else 3)


def venue(answer: str, lang: str = "de") -> str | None:
    """The answer's "in"/"at" phrase of a place that is no name ("im Münchner Olympiastadion",
    "at the new stadium"), outside its background: where its event happens when no name says so."""
    english = looks_english(answer) or detect_language(answer, lang) == "en"
    for p in phrases_of(answer, english):
        head = p.head_word.casefold()
        if p.prep is None or p.prep.low not in ("in", "im", "at", "bei", "beim") or p.kind != "noun" \
                or backgrounded(answer, p.start, lang):
            continue
        if head in PLACE_HEADS or head.endswith(VENUE_HEADS):
            return answer[p.start:p.end]
    return None


_ARTICLE_GENDER = {"die": "f", "das": "n", "der": "m", "den": "m", "dem": "mn", "des": "mn", "eine": "f",
                   "einer": "f", "ein": "mn", "eines": "mn", "einem": "mn", "einen": "m"}


def gender_of(text: str, start: int, bare: str = "n") -> str:
    """German genders the name at `start` may have, from its article (up to two words before:
    "die neue Switch 2", "das Medikament Keytruda"); `bare` for a name without one (neuter:
    "Siemens ... es")."""
    words = [w for w in words_of(text, english=False) if w.end <= start][-3:]
    for n in range(len(words) - 1, -1, -1):
        w = words[n]
        if w.tag == "DET":
            gender = _ARTICLE_GENDER.get(w.low, "mfn")
            before = words[n - 1].tag if n > 0 else ""
            if w.low == "der" and before in ("PREP", "NOUN", "NAME"):
                return "f"  # dative or genitive feminine: "auf der Gamescom", "Informationen der FAZ"
            if w.low == "den" and before == "PREP":
                return "m"
            return gender
        if w.tag not in ("ADJ", "NOUN", "NUM"):
            break
    return bare


_LIGHT = frozenset("sein haben werden sollen können müssen wollen dürfen mögen be have do will would can could shall "
                   "should may might must".split())


def _content_verbs(words: tuple[Word, ...]) -> set[str]:
    """The lemmas of the content verbs, a German separated particle joined back ("stellte ... vor")."""
    particle = next((w.low for w in words if w.tag == "PART" and w.fine == "PTKVZ"), "")
    out = set()
    for w in words:
        if w.tag == "VERB" and w.lemma.casefold() not in _LIGHT:
            lemma = w.lemma.casefold()
            out.add(particle + lemma if particle and "FIN" in w.fine else lemma)
    return out


@lru_cache(maxsize=1024)
def in_focus(question: str, answer: str, start: int, lang: str = "de") -> int:
    """How surely the name at `start` of `answer` answers the wh-question `question`: 2 when
    the question's noun introduces it ("Welches Medikament ...?" - "das Medikament Keytruda"),
    1 for a core argument of an answer that repeats the question's verb ("What did Samsung
    unveil?" - "... Samsung unveiled the Galaxy Z Fold 6"), else 0. What the answer is about,
    so what a following "it"/"es" means first."""
    asked = _words(question, lang)
    wh = next((w for w in asked if w.tag in ("WH", "WHDET")), None)
    if wh is None or (wh.low not in ("was", "what", "which") and not wh.low.startswith("welch")):
        return 0
    level = prominence(answer, start, lang)
    if level >= BACKGROUND or level % 10:
        return 0  # not a core argument
    told = _words(answer, lang)
    noun = next((w for w in asked if w.start > wh.start and w.tag == "NOUN"), None) if wh.tag == "WHDET" else None
    before = [w for w in told if w.end <= start][-1:]
    if noun is not None and before and before[0].lemma.casefold() == noun.lemma.casefold():
        return 2
    return int(bool(_content_verbs(asked) & _content_verbs(told)))
