"""Names by their capitals and the words around them (`capital_names`).

German capitalises every noun, so a capitalised word is a name only where a common noun
could not stand: bare, with no article, determiner, attributive adjective or number before
it ("hat Microsoft", "von OpenAI", not "der größte Kapitalgeber", "13 Milliarden Dollar").
A word that opens a sentence counts when its shape says so ("OpenAI"), when a second name
word follows ("Sam Altman"), or when a verb follows and it has no common noun's ending
("Tesla hat", not "Insider berichten"). English names are the capitalised words inside a
sentence. Titles before a name are left out ("Konzernchef Satya Nadella"); a German genitive
is reduced to its name ("Microsofts erneutes Engagement").

Hand-written: no German NER model is installable here (../shared/MODELS.md), and resolving a
follow-up needs only the names of one turn, not their classes.
"""

from __future__ import annotations

import re

from rag.answer.facts import looks_english
from rag.answer.mentions import Mention, generic_head, shape_name
from rag.text.lexicon import (
    DETERMINER,
    ENGLISH_VOTE_WORDS,
    FUNCTION_WORDS,
    GERMAN_VOTE_WORDS,
    MAGNITUDE,
    MONTHS,
    NUMBER_WORDS,
    PREPOSITIONS,
    SENTENCE_OPENERS,
)
from rag.text.followup_lexicon import (
    ABSTRACT_ENDINGS,
    ARTICLE_COUNTRIES,
    ARTICLE_LIKE,
    GENERIC_HEADS,
    NAME_PARTICLES,
    NOT_NAMES,
    NOUN_ENDINGS,
    ORGANISATION_WORDS,
    PERSONAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    QUESTION_WORDS,
    TITLE_WORDS,
)
from rag.text.tagging import tag_words

_VERSION = re.compile(r"\d{1,3}|\d{1,2}\.\d")  # after a name: "Model 3", "Gemini 2.5"
_TOKEN = re.compile(r"[^\W\d_]+\.\d+(?!\d|[.,]\d)|\d+\.\d+(?![\w.])|[^\W_][\w'’-]*[^\W_]|[^\W_]")  # "Gemini 2.5", "ID.7": one token
_SENTENCE_END = re.compile(r"[.!?:;]\W*$|^\W*$")
_OPENERS = frozenset(w.casefold() for w in SENTENCE_OPENERS)
# After these a word is a verb, not a title ("will coach England", "to head Siemens").
_VERB_BEFORE = frozenset("will would to can could should may might must shall did does do".split())


def _excluded(word: str, english: bool = False) -> bool:
    low = word.casefold()
    last = low.split("-")[-1]
    return (low in FUNCTION_WORDS or low in _OPENERS or low in QUESTION_WORDS or low in NOT_NAMES
            or low in GERMAN_VOTE_WORDS or low in ENGLISH_VOTE_WORDS
            or last in NOT_NAMES or low in PERSONAL_PRONOUNS or low in POSSESSIVE_PRONOUNS
            or (low in GENERIC_HEADS and not english)  # English capitalises a noun only in a name: "Model 3"
            or bool(MONTHS.fullmatch(low)) or bool(TITLE_WORDS.search(last)))


def _plain(word: str) -> bool:
    return word[:1].isupper() and word.isalpha() and not shape_name(word) and not word.isupper()


def _is_title(word: str) -> bool:
    last = word.casefold().split("-")[-1]
    return bool(TITLE_WORDS.search(last)) or bool(ORGANISATION_WORDS.search(last))


def _adjective_like(word: str, before: str = "") -> bool:
    """An attributive adjective ("der größte", "großes"), not a past-tense verb ("kündigte
    Microsoft an", "stellte"): "-te" after no article is a verb, unless a superlative."""
    low = word.casefold()
    if not (word[:1].islower() and len(low) > 3 and low.endswith(("e", "en", "er", "es", "em"))
            and low not in GERMAN_VOTE_WORDS and low not in PREPOSITIONS and not DETERMINER.fullmatch(low)):
        return False
    verb_like = low.endswith(("te", "ten")) and not low.endswith(("ste", "sten"))
    return not verb_like or before.casefold() in ARTICLE_LIKE or bool(DETERMINER.fullmatch(before.casefold()))


def _adjective_inflected(word: str) -> bool:
    return word.casefold().endswith(("e", "en", "er", "es", "em"))


def _begins_sentence(text: str, start: int) -> bool:
    return bool(_SENTENCE_END.search(text[max(0, start - 4):start]))


def capital_names(text: str, english: bool | None = None) -> list[Mention]:
    """Names by capitals and the words around them (the rules described above)."""
    english = looks_english(text) if english is None else english
    tokens = list(_TOKEN.finditer(text))
    words = [m.group(0) for m in tokens]
    initial = [_begins_sentence(text, m.start()) for m in tokens]

    decided: dict[int, bool] = {}

    def is_name(i: int) -> bool:
        if i not in decided:
            decided[i] = _judge(i)
        return decided[i]

    def _judge(i: int) -> bool:
        w = words[i]
        if TITLE_WORDS.search(w.casefold().split("-")[-1]) or not (w[:1].isupper() or shape_name(w)):
            return False
        if shape_name(w):
            return True
        if not english and w.casefold() in ARTICLE_COUNTRIES:
            return True  # "die Schweiz"
        if _excluded(w, english):
            return False
        before = words[i - 1] if i > 0 and not initial[i] else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        low_next = nxt.casefold()
        if initial[i]:
            if any(tuple(x.casefold() for x in words[i + 1:i + 1 + n]) in NAME_PARTICLES
                   and words[i + 1 + n:i + 2 + n] and words[i + 1 + n][:1].isupper() for n in (1, 2)):
                return True  # "Ursula von der Leyen ..."
            if nxt[:1].isupper() and not _excluded(nxt) and not TITLE_WORDS.search(low_next):
                return True  # "Sam Altman ...", "Tesla Motors ..."
            if not nxt or re.search(r"[.!?;:]", text[tokens[i].end():tokens[i + 1].start()]):
                return True  # a one-word sentence: "Apple."
            if low_next in ("und", "and", "sowie", "or", "oder") and i + 2 < len(words) and not initial[i + 2] \
                    and is_name(i + 2):
                return True  # "Vodafone und Three wollen ...", "Coldplay and Dua Lipa headline": like joins like
            if english:  # "Lufthansa cancelled", not "Experts expect": the tagger's proper nouns (NP0)
                return tag_words(tuple(words[i:i + 3]), True)[0][1] == "NP0"
            if not nxt[:1].islower():
                return False
            if w.endswith("s") and not w.endswith("ss") and _adjective_like(nxt):
                return True  # a genitive: "Microsofts erneutes Engagement"
            if w.casefold().endswith(NOUN_ENDINGS):
                return False  # "Insider berichten", "Experten sagen"
            # The subject before its verb ("Tesla hat", "Apple stellte"), not "Parallel zu".
            return low_next not in PREPOSITIONS and low_next not in FUNCTION_WORDS
        if english:
            return True
        if w.casefold().endswith(ABSTRACT_ENDINGS):
            return False  # "nach Einschätzung von Beobachtern"
        low_before = before.casefold()
        # Two capitalised words that no adjective ending joins: a name even after an article
        # or a noun ("die New York Times", "der Stürmer Harry Kane"), not "der Europäischen Kommission".
        run = (_plain(nxt) and not _excluded(nxt) and not _adjective_inflected(w) and not _is_title(w)
               and not nxt.casefold().endswith(ABSTRACT_ENDINGS))
        before_before = words[i - 2] if i > 1 and not initial[i - 1] else ""
        if low_before in ARTICLE_LIKE or DETERMINER.fullmatch(low_before) or _adjective_like(before, before_before):
            return run
        if before[:1].isupper() and not initial[i - 1] and not _excluded(before) and not is_name(i - 1) \
                and not _is_title(before) and not generic_head(before):
            return run  # inside a noun phrase: "der Europäischen Kommission" (not "das Projekt Stargate")
        return not (low_before in NUMBER_WORDS or low_before[:1].isdigit() or MAGNITUDE.fullmatch(low_before))

    out: list[Mention] = []
    seen: set[str] = set()
    i = 0
    while i < len(tokens):
        if not is_name(i):
            i += 1
            continue
        j = i
        while True:  # extend the run: "Sam Altman", "Inflection AI", "Ursula von der Leyen"
            k = j + 1
            for n in (2, 1):
                # "Ursula von der Leyen": a particle joins a first name to a plain surname, not
                # "PVV von Geert Wilders" or "Sam Altman von OpenAI" (a name of someone's).
                if tuple(words[j + 1:j + 1 + n]) in NAME_PARTICLES and j == i and _plain(words[j]) \
                        and j + 1 + n < len(words) and _plain(words[j + 1 + n]):
                    k = j + 1 + n
                    break
            gap = text[tokens[j].end():tokens[k].start()] if k < len(tokens) else ""
            if k < len(tokens) and re.fullmatch(r"[\s\w]*", gap) and "\n" not in gap and not _excluded(words[k], english) \
                    and not TITLE_WORDS.search(words[k].casefold()) and not words[k].casefold().endswith(ABSTRACT_ENDINGS) \
                    and (words[k][:1].isupper() or (k == j + 1 and _VERSION.fullmatch(words[k]) is not None)):
                j = k  # "Model 3", "Windows 11": a short number is part of the name
                continue
            break
        titled = i > 0 and not initial[i] and bool(TITLE_WORDS.search(words[i - 1].casefold().split("-")[-1])) \
            and not (i > 1 and words[i - 2].casefold() in _VERB_BEFORE)  # "will coach England": a verb
        while i < j and TITLE_WORDS.search(words[i].casefold().split("-")[-1]):
            i += 1  # "Konzernchef Satya Nadella": the title is no part of the name
            titled = True
        name = text[tokens[i].start():tokens[j].end()]
        nxt = words[j + 1] if j + 1 < len(words) else ""
        if not english and i == j and len(name) > 4 and name.endswith("s") and not name.endswith("ss") \
                and (nxt[:1].isupper() or _adjective_like(nxt)):
            name = name[:-1]  # a genitive: "Microsofts erneutes Engagement", "Googles Websuche"
        if name.endswith(("'s", "’s")):
            name = name[:-2]  # "OpenAI's funding round"
        before = words[i - 1].casefold() if i > 0 and not initial[i] else ""
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(Mention(name, tokens[i].start(), tokens[j].end(), oblique=before in PREPOSITIONS,
                               titled=titled and not ORGANISATION_WORDS.search(before),
                               articled=before in ARTICLE_LIKE and before != "that"))  # "reports that Kamala Harris"
        i = j + 1
    return out

