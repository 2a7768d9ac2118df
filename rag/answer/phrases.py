"""Words and noun phrases of a question or an answer sentence, for follow-up resolution.

HanTa tags every word (German STTS, English C5 tags, rag.text.tagging); the tags are mapped
to a few coarse classes and the words grouped into phrases: an optional preposition, a
determiner (article, possessive, "wie viele", "which"), modifiers and a head of nouns or
names. A phrase knows whether it is the question phrase, a German genitive attribute ("der
Verlust der Lufthansa"), a date, a name, and its number and German gender, which is what
parallel ellipsis (rag.answer.ellipsis) and pronoun agreement (rag.answer.references) need.
Hand-written on top of the tagger: no German chunker or parser with data installs here
(rag/text/tagging.py says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text.lexicon import ENGLISH_FUNCTION_WORDS, MONTHS
from rag.text.followup_lexicon import ARTICLE_COUNTRIES, QUESTION_WORDS, TITLE_WORDS
from rag.text.language import detect_language
from rag.text.tagging import tag_words, unknown_word

# Words, numbers, "d'Or" and "ID.7" kept whole, an English possessive "'s" split off, punctuation.
_TOKEN = re.compile(r"[^\W\d_]+\.\d+(?!\d|[.,]\d)|\d+(?:[.,]\d+)*|[^\W_][\w]*(?:-[^\W_][\w]*)*(?:['’](?!s\b)[^\W_]\w*)*|['’]s\b|[^\w\s]")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_GERMAN = {"ART": "DET", "PPOSAT": "POSS", "PDAT": "DET", "PIAT": "DET", "PIDAT": "DET", "PWAT": "WHDET",
           "PWS": "WH", "PWAV": "WH", "APPR": "PREP", "APPRART": "PREP", "APPO": "PREP", "ADJ(A)": "ADJ",
           "ADJ(D)": "ADV", "NN": "NOUN", "NNA": "NOUN", "NE": "NAME", "FM": "NAME", "XY": "NAME",
           "CARD": "NUM", "PPER": "PRON", "PRF": "REFL", "PDS": "DEM", "KON": "CONJ", "KOUS": "SUB",
           "KOUI": "SUB", "ADV": "ADV", "PTKVZ": "PART"}
_ENGLISH = {"AT0": "DET", "DT0": "DET", "DPS": "POSS", "DTQ": "WHDET", "PNQ": "WH", "AVQ": "WH", "PRP": "PREP",
            "PRF": "PREP", "AJ0": "ADJ", "AJC": "ADJ", "AJS": "ADJ", "ORD": "ADJ", "NN0": "NOUN", "NN1": "NOUN",
            "NN2": "NOUN", "NP0": "NAME", "CRD": "NUM", "PNP": "PRON", "PNX": "REFL", "CJC": "CONJ",
            "CJS": "SUB", "CJT": "SUB", "POS": "POS", "AV0": "ADV", "AVP": "PART", "TO0": "TO", "EX0": "EX"}
# Quantifiers after a question word that make the phrase after them the question phrase.
_WH_QUANTIFIERS = frozenset("viel viele wieviel wieviele many much".split())
# German determiners that end in these cannot be nominative singular feminine/neuter etc.
_GENDER_BY_ENDING = (("es", "n"), ("er", "m"), ("em", "mn"), ("en", "m"), ("e", "f"), ("as", "n"), ("ie", "f"))


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int
    tag: str  # coarse: NOUN NAME DET POSS WHDET WH PREP ADJ ADV NUM PRON REFL DEM VERB CONJ SUB PUNCT POS ...
    lemma: str
    fine: str  # the tagger's own tag
    initial: bool  # opens a sentence

    @property
    def low(self) -> str:
        return self.text.casefold()


def _shape_name(word: str) -> bool:
    core = word.split("-")[-1].strip("'’")
    if "-" in word and core.isalpha() and core[1:].islower():
        return False  # a compound is its last part: "CO2-Preis", "G7-Gipfel" are nouns
    if any(c.isdigit() for c in word):
        return any(c.isalpha() for c in word) and not re.fullmatch(r"\d+[.,]?\d*[a-z]{0,2}", word)
    return len(core) >= 2 and core[0].isalpha() and any(c.isupper() for c in core[1:])


def _coarse(word: str, fine: str, initial: bool, english: bool) -> str:
    tag = "VERB" if fine[:2] in ("VV", "VA", "VM") or (english and fine[:1] == "V") else \
        "PUNCT" if fine[:1] == "$" or fine == "PUN" else (_ENGLISH if english else _GERMAN).get(fine, "OTHER")
    upper = word[:1].isupper()
    if not any(c.isalnum() for c in word):
        return "PUNCT"
    if MONTHS.fullmatch(word.casefold()):
        return "MONTH"
    if TITLE_WORDS.fullmatch(word.casefold()):
        return "NOUN"  # a role is a common noun, abbreviated too: "the CEO", "der CEO"
    if _shape_name(word) and tag in ("NOUN", "NAME", "ADJ", "OTHER", "VERB", "ADV", "NUM"):
        return "NAME"  # "FC", "AUA", "OpenAI", "S24", "i5"
    if english:
        if upper and not initial and word != "I" and tag not in ("PRON", "WH", "WHDET"):
            return "NAME"  # English capitalises a noun only in a name ("the Fed", "ECB")
        if upper and initial and tag in ("NOUN", "NAME", "ADJ", "VERB") and word.casefold() not in ENGLISH_FUNCTION_WORDS \
                and word.casefold() not in QUESTION_WORDS:
            return "NAME"
        return "NOUN" if tag == "NAME" and not upper else tag
    if word.casefold() in ARTICLE_COUNTRIES:
        return "NAME"  # "die Schweiz"
    if upper and not initial and tag in ("ADV", "VERB", "OTHER"):
        return "NAME"  # "Sebastian Kurz": a capital inside a sentence on no noun
    return tag


@lru_cache(maxsize=2048)
def words_of(text: str, english: bool | None = None) -> tuple[Word, ...]:
    """The tagged words of `text`, sentence by sentence, with their spans in `text`."""
    english = detect_language(text) == "en" if english is None else english
    out: list[Word] = []
    sentence: list[re.Match] = []
    for m in [*_TOKEN.finditer(text), None]:
        if m is not None:
            sentence.append(m)
        if m is None or m.group(0) in (".", "!", "?", ";"):
            if sentence:
                tags = tag_words(tuple(x.group(0) for x in sentence), english)
                for n, (x, (lemma, fine)) in enumerate(zip(sentence, tags)):
                    initial = n == 0 or sentence[n - 1].group(0) in (":", "„", "\"", "(", "–")
                    out.append(Word(x.group(0), x.start(), x.end(), _coarse(x.group(0), fine, initial, english),
                                    lemma, fine, initial))
            sentence = []
    return tuple(out)


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]
    prep: Word | None
    det: Word | None
    owner: tuple[Word, ...]  # "Volkswagen 's": a possessor before the head
    mods: tuple[Word, ...]  # adjectives, ordinals, numbers
    head: tuple[Word, ...]  # the nouns and names; empty when elided ("the women's")
    wh: bool  # the question phrase ("Wie viele Stimmen", "Which phone")
    attr: bool  # a German genitive attribute ("der Verlust der Lufthansa")

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end

    @property
    def body_start(self) -> int:
        """Where the phrase begins without its preposition."""
        rest = [w for w in self.words if w is not self.prep]
        return rest[0].start if rest else self.end

    @property
    def kind(self) -> str:
        if any(w.tag == "MONTH" or (w.tag in ("NUM", "NAME") and _YEAR.fullmatch(w.text)) for w in self.head + self.mods):
            return "date"
        if self.head and self.head[-1].tag == "NAME":
            return "name"
        return "noun" if self.head else "none"

    @property
    def head_word(self) -> str:
        return self.head[-1].text if self.head else ""

    @property
    def plural(self) -> bool:
        if not self.head or self.head[-1].tag != "NOUN":
            return False
        w = self.head[-1]
        if w.fine == "NN2":
            return True
        det = self.det.low if self.det else ""
        # A lemma the tagger guessed for a word it does not know says nothing ("die Voestalpine").
        return (w.fine in ("NN", "NNA") and w.low != w.lemma.casefold() and det not in ("des", "dem", "eines", "einem")
                and not unknown_word(w.text)
                and not (w.low.endswith("s") and det in ("der", ""))
                or det in ("viele", "mehrere", "beide", "alle", "many", "several", "both", "all", "few"))

    @property
    def genders(self) -> str:
        """German grammatical genders the determiner allows ("mfn" when it tells nothing)."""
        if self.det is None or self.det.tag not in ("DET", "POSS") or self.plural:
            return "mfn"
        low = self.det.low
        if low in ("der", "den"):
            return "m" if self.prep is None else "mf"
        if low == "das":
            return "n"
        if low == "die":
            return "f"
        if low in ("ein", "kein"):
            return "mn"
        return next((g for end, g in _GENDER_BY_ENDING if low.endswith(end)), "mfn")


def _saxon(w: Word) -> bool:
    """A German name in the genitive: "Österreichs", "Chinas" (the tagger's lemma without the -s)."""
    return w.tag == "NAME" and w.fine in ("NE", "NN", "FM") and w.text == w.lemma + "s"


def phrases_of(text: str, english: bool | None = None) -> tuple[Phrase, ...]:
    return _phrases(words_of(text, english))


def _phrases(words: tuple[Word, ...]) -> tuple[Phrase, ...]:
    out: list[Phrase] = []
    i, n = 0, len(words)
    while i < n:
        start = i
        prep = det = None
        owner: list[Word] = []
        mods: list[Word] = []
        head: list[Word] = []
        if words[i].tag == "PREP":
            prep, i = words[i], i + 1
        if i < n and words[i].tag in ("DET", "POSS", "WHDET"):
            det, i = words[i], i + 1
        while i < n:
            w = words[i]
            if w.tag == "POS" and head:
                owner, head, i = head + [w], [], i + 1
            elif _saxon(w) and head and head[-1].tag == "NOUN":
                break  # "die Exporte Österreichs": a genitive attribute of its own
            elif _saxon(w) and not head and not owner and i + 1 < n and words[i + 1].tag == "NOUN":
                owner, i = [w], i + 1  # "Chinas Importe": the possessor before the head
            elif w.tag in ("NOUN", "NAME", "MONTH") or (w.tag == "NUM" and head and (len(w.text) <= 3 or head[-1].tag == "MONTH")):
                head.append(w)
                i += 1
            elif w.tag in ("ADJ", "NUM") and not head:
                mods.append(w)
                i += 1
            else:
                break
        if not head and not owner and mods and det is not None and det.tag == "DET" and mods[-1].tag == "ADJ":
            head = [mods.pop()]  # "the euro" tagged as an adjective; "the second": the head elided
        if not (head or owner or mods):
            i = max(i, start + 1)
            continue
        before = words[start - 1] if start > 0 else None
        before2 = words[start - 2] if start > 1 else None
        wh = (det is not None and det.tag == "WHDET") or (before is not None and before.tag == "WH") or (
            det is not None and det.low in _WH_QUANTIFIERS and before is not None and before.tag in ("WH", "ADV")
            and (before.tag == "WH" or (before2 is not None and before2.tag == "WH")))
        prev = out[-1] if out else None
        attr = (prep is None and prev is not None and prev.end == words[start - 1].end and prev.kind != "date"
                and ((det is not None and det.low in ("der", "des", "eines", "einer")) or (
                    det is None and head and head[0].tag == "NAME" and head[0].text.endswith("s"))))
        out.append(Phrase(tuple(words[start:i]), prep, det, tuple(owner), tuple(mods), tuple(head), bool(wh), bool(attr)))
    return tuple(out)


def subject(phrases: tuple[Phrase, ...]) -> Phrase | None:
    """The first phrase that is no question phrase, attribute, date or prepositional phrase."""
    return next((p for p in phrases if p.prep is None and not p.wh and not p.attr and p.kind in ("name", "noun")), None)
