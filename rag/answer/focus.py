"""The focus of a question, and whether a sentence states a value about it.

The focus is the noun or verb the question word asks about: "Wie viele *Passagiere* ...",
"Wie hoch ist das *Jahresgehalt* ...", "Wann *landete* ...", "Wer ist *CEO* ...". A sentence
answers only when it holds the expected kind of value AND says it about the focus, in one
clause: "Der Airbus hatte 2005 seinen Erstflug" holds a number and the topic, but nothing
about passengers. That conjunction is what tells a near miss (the topic is there, the fact
is not) from an answer; the topic terms alone cannot.

Hand-written: no German parser or tagger can be installed here (model hubs are unreachable),
and German capitalises its nouns, so the question's few patterns find the focus by the
shape of the words around the question word. English questions get no focus: the corpus is
German, and an English focus word never occurs in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.reader.values import names_in, new_numbers, offers_answer_type
from rag.text.lexicon import (
    ANSWER_KIND_NOUNS,
    AUXILIARIES,
    CLAUSE_BREAK,
    COPULAS,
    DETERMINER,
    FOCUS_DETERMINING,
    FOCUS_MEASURE,
    FOCUS_VERB_QUESTION,
    FUNCTION_WORDS,
    NAMING_VERBS,
)
from rag.text.terms import tokenize

_WORD = re.compile(r"[\w][\w-]*")


def _is_noun(word: str) -> bool:
    return word[:1].isupper()


def _skippable(word: str) -> bool:
    """Articles, determiners and inflected adjectives before a noun ("das", "der größte",
    "neuen"); a verb ("hat", "kostet") ends the noun phrase."""
    w = word.lower()
    if w in FUNCTION_WORDS or DETERMINER.fullmatch(w):
        return True
    return not _is_noun(word) and w not in AUXILIARIES and w.endswith(("e", "en", "er", "es", "em"))


def _noun_after(words: list[str], limit: int = 4) -> str | None:
    """The first capitalised word among the next `limit` words, past articles and adjectives."""
    for w in words[:limit]:
        if _is_noun(w) and w.lower() not in FUNCTION_WORDS and not DETERMINER.fullmatch(w.lower()):
            return w
        if not _skippable(w):
            return None
    return None


def _verb_focus(words: list[str], question_word: str) -> list[str]:
    """After "wann/wer/wo/..." comes the finite verb: a full verb is the focus ("landete");
    after a copula it is the predicate noun ("Wer ist CEO"); after an auxiliary, the
    participle or infinitive at the end ("Wann wurde X gegründet")."""
    if not words:
        return []
    verb, rest = words[0], words[1:]
    low = verb.lower()
    if low not in AUXILIARIES and low not in NAMING_VERBS:
        return [verb] if not _is_noun(verb) else []
    if low in NAMING_VERBS or (low in COPULAS and question_word in ("wer", "was", "wen")):
        noun = _noun_after(rest)
        if noun:
            return [noun]
    tail = [w for w in rest[-2:] if not _is_noun(w) and w.lower() not in AUXILIARIES]
    return tail[-1:] if tail else []


def question_focus(text: str, language: str = "de") -> tuple[str, ...]:
    """Stemmed terms of what the question asks about; () when none is found (or English)."""
    if language != "de":
        return ()
    words: list[str] = []
    m = FOCUS_DETERMINING.search(text)
    if m:
        after = _WORD.findall(text[m.end():])
        noun = _noun_after(after)
        if noun and noun.lower() not in ANSWER_KIND_NOUNS:
            words = [noun]
        elif noun:  # "In welchem Jahr wurde ... gegründet": the verb after the kind noun
            words = _verb_focus(after[after.index(noun) + 1:], "wann")
        elif after:  # "Wie viel hat Microsoft investiert": no noun, read the verb
            words = _verb_focus(after, "wie")
    elif (m := FOCUS_MEASURE.search(text)) is not None:
        after = _WORD.findall(text[m.end():])
        if after and after[0].lower() in AUXILIARIES:
            noun = _noun_after(after[1:])
            words = [noun] if noun else _verb_focus(after, "wie")
        elif after:
            words = [after[0]] if not _is_noun(after[0]) else []
            noun = _noun_after(after[1:])
            words += [noun] if noun else []
    elif (m := FOCUS_VERB_QUESTION.search(text)) is not None:
        words = _verb_focus(_WORD.findall(text[m.end():]), m.group(1).lower())
    return tuple(dict.fromkeys(t for w in words for t in tokenize(w)))


def clauses(sentence: str) -> list[str]:
    """The sentence's clauses (split at commas that separate no digits, dashes, brackets and
    clause-opening conjunctions); one clause for a simple sentence."""
    return [c for c in (p.strip() for p in CLAUSE_BREAK.split(sentence)) if c]


@lru_cache(maxsize=1 << 15)  # every (focus stem, sentence stem) pair: 47k for 40 questions; ~90 B an entry
def _related(a: str, b: str) -> bool:
    """A focus stem met inflected or as a compound's head ("passagi"/"passagieren",
    "gehalt"/"jahresgehalt")."""
    if a == b:
        return True
    short = min(len(a), len(b))
    return short >= 4 and (b.endswith(a) or a.endswith(b) or (
        short >= 5 and b.startswith(a[: max(5, int(0.8 * len(a)))])))


def mentions(terms, focus: tuple[str, ...]) -> bool:
    """Does any of `terms` (stems) name the focus?"""
    return any(_related(f, t) for f in focus for t in terms)


def focus_with_value(sentence: str, focus: tuple[str, ...], expected: str | None, question: str) -> bool:
    """Does one clause of `sentence` name the focus and hold a value of the expected kind
    that the question does not already name? ("Wie viele Passagiere ...": "An Bord waren
    155 Passagiere" yes; "Die Passagiere blieben unverletzt, 3 Crew-Mitglieder nicht" no.)"""
    if not focus:
        return False
    return any(mentions(tokenize(c), focus) and offers_answer_type(c, expected, question)
               for c in clauses(sentence))


# How many words apart a value and the focus may stand to be "about" it ("155 Passagiere",
# "Microsoft-CEO Satya Nadella"); one clause is often much longer than what it says of one thing.
NEAR_WORDS = 3
_TOKEN = re.compile(r"\w[\w.,-]*\w|\w")  # keeps "1.200" and "6,6" whole


def focus_next_to_value(sentence: str, focus: tuple[str, ...], expected: str | None, question: str) -> bool:
    """Does a value of the expected kind (a number the question does not name; for a name
    question, a name it does not name) stand within NEAR_WORDS words of a mention of the
    focus? Tighter than `focus_with_value`'s clause: "Die Passagiere blieben unverletzt,
    bei 3 Crew-Mitgliedern ..." is no longer enough."""
    if not focus or expected is None:
        return False
    words = _TOKEN.findall(sentence)
    at_focus = [i for i, w in enumerate(words) if mentions(tokenize(w), focus)]
    if not at_focus:
        return False
    numbers = new_numbers(sentence, question)
    values = [i for i, w in enumerate(words) if any(n in w.replace(".", "").replace(",", "") for n in numbers)]
    if expected == "name":
        asked = {w.casefold() for w in _WORD.findall(question)}
        firsts = {n.split()[0] for n in names_in(sentence) if {w.casefold() for w in _WORD.findall(n)} - asked}
        values += [i for i, w in enumerate(words) if w in firsts]
    return any(abs(i - j) <= NEAR_WORDS for i in at_focus for j in values)
