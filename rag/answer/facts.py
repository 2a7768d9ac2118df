"""The facts a claim states, so verification can keep them together: its numbers, its names,
and who did what to whom.

Word overlap and embedding similarity both accept a claim that recombines a passage's
facts: a role swap ("Oracle übernahm Microsoft" from "Microsoft übernahm Oracle"), a number
moved to another sentence's event, a changed quantity ("drei Prozent" for "fünf Prozent").
A claim is only supported by a passage span that holds all of its numbers and names, with
its participants on the same sides of the verb they share.

Hand-written: the checks need the shape of numbers and names, which no German NER or NLI
model available offline here provides (see ../shared/MODELS.md).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from rag.text.lexicon import COUNT_WORDS, FUNCTION_WORDS, MAGNITUDE, PASSIVE_MARKERS, PREPOSITIONS, VALUE_COMPOUND
from rag.text.terms import tokenize

# A number as written in German or English news: "400.000", "1,5", "2:1", "49 %".
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[\w'-]+")
# "eine Milliarde", "ein Drittel": the article is the number 1 before a magnitude.
_ONE = frozenset({"ein", "eine", "einen", "einer", "one", "a"})
_ONE_BEFORE_MAGNITUDE = re.compile(r"\b(" + "|".join(sorted(_ONE)) + r")\s+(?=" + MAGNITUDE.pattern + ")",
                                   re.IGNORECASE)


def _normalise_number(raw: str) -> str:
    """'400.000' and '400,000' -> '400000'; '1,5' and '1.5' -> '1.5'; '2:1' stays."""
    if ":" in raw:
        return raw
    groups = re.split(r"[.,]", raw)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return "".join(groups)  # thousands separators
    if len(groups) == 2:
        return f"{groups[0]}.{groups[1]}"  # a decimal comma or point
    return raw


def numbers_in(text: str) -> set[str]:
    """Every number the text states, normalised, spelled-out counts included, and each amount
    with its scale word as one value ("1 Milliarde", "one billion" -> "=1000000000"), so
    "1 million" does not pass for "1 Milliarde"."""
    return set(_numbers_in(text))


# Cached (a copy is returned): the claim check reads the same passage sentences for every
# claim and window, 1,053 calls for 47 seeds questions. ~0.5 KB an entry with its key.
@lru_cache(maxsize=8192)
def _numbers_in(text: str) -> frozenset[str]:
    out = {_normalise_number(m.group(0)) for m in _NUMBER.finditer(text)}
    # "tausend" counts alone, not as the scale of "400 Tausend".
    unscaled = _SCALED.sub(lambda m: m.group(1), text)
    for word in _WORD.findall(unscaled.casefold()):
        if word in COUNT_WORDS:
            out.add(COUNT_WORDS[word])
        elif compound := VALUE_COMPOUND.fullmatch(word):  # "Dreiviertel" counts as "drei Viertel"
            out.add(COUNT_WORDS[compound.group(1)])
    if _ONE_BEFORE_MAGNITUDE.search(text):
        out.add("1")
    # A large amount in digits equals the same amount with a scale word ("400.000", "400 Tausend").
    out |= {f"={v.normalize():f}" for n in out if (v := _decimal(n)) is not None and v >= 1000}
    english = None
    for m in _SCALED.finditer(text):
        count, scale = m.group(1).casefold(), m.group(2)
        if count[0].isdigit():
            value = _normalise_number(count)
        elif count in COUNT_WORDS or count in _ONE:
            value = COUNT_WORDS.get(count, "1")
        else:
            continue  # "die Milliarde": no amount
        if scale == "Billion":  # German 10^12, or an English sentence's first word
            english = looks_english(text) if english is None else english
            exponent = 9 if english else 12
        else:
            exponent = _SCALES[scale.casefold()]
        if (amount := _decimal(value)) is not None:
            out.add(f"={(amount * 10 ** exponent).normalize():f}")
    return frozenset(out)


def _decimal(number: str) -> Decimal | None:
    """A normalised number as a Decimal; None for "2:1" or a dotted "1.2.3" (a date, a version)."""
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


# English "billion" is 10^9, German "Billion" 10^12 ("Milliarde" is 10^9).
_SCALES = {"tausend": 3, "thousand": 3, "tsd": 3, "thousands": 3, "mio": 6, "million": 6, "millionen": 6,
           "millions": 6, "mrd": 9, "milliarde": 9, "milliarden": 9, "billion": 9, "billions": 9,
           "billionen": 12, "trillion": 12, "trillions": 12}
_SCALED = re.compile(r"(\d+(?:[.,]\d+)*|[^\W\d_]+)\s+(" + "|".join(sorted(_SCALES, key=len, reverse=True))
                     + r")\b", re.IGNORECASE)


# Words of English that German does not have ("in" and "was" are words of both).
_ENGLISH_ONLY = frozenset({"the", "and", "of", "is", "to", "for", "with", "by", "has", "have", "are", "were",
                           "from", "that", "which", "who", "whom", "what", "how", "where", "when", "why", "did",
                           "does", "do", "its", "his", "her", "their", "they", "this", "been", "on", "at", "it",
                           "a", "not", "than", "will", "would", "can", "could"})


def looks_english(text: str) -> bool:
    return sum(w.casefold() in _ENGLISH_ONLY for w in _WORD.findall(text)) >= 2


def names_in(text: str, english: bool | None = None) -> set[str]:
    """Words that are names by their shape: internal capitals or digits ("OpenAI",
    "GPT-4"), or capitalised words not at a sentence start in English (where nouns are
    lower case). German capitalises every noun, so a plain capitalised word is no name.
    `english` None: decided from the text's own function words."""
    return set(_names_in(text, english))


@lru_cache(maxsize=8192)  # as `_numbers_in`
def _names_in(text: str, english: bool | None) -> frozenset[str]:
    out = set()
    words = _WORD.findall(text)
    english = looks_english(text) if english is None else english
    for i, w in enumerate(words):
        core = w.strip("'-")
        # A German compound capitalises each part ("Stargate-Projekt", "KI-Rechenzentren"):
        # the capital after its hyphen is no name, so each part is judged alone. A product
        # name with digits ("GPT-4", "A320-200") stays whole.
        parts = [core] if any(c.isdigit() for c in core) else core.split("-")
        for j, part in enumerate(parts):
            if len(part) < 2:
                continue
            if any(c.isupper() for c in part[1:]) or (any(c.isdigit() for c in part) and any(c.isalpha() for c in part)):
                out.add(part.casefold())
            elif english and (i > 0 or j > 0) and part[0].isupper() and part.casefold() not in FUNCTION_WORDS:
                out.add(part.casefold())
    return frozenset(out)


def _mentions(span_text: str) -> str:
    return " ".join(_WORD.findall(span_text.casefold()))


def facts_held(claim: str, span_text: str, premise: str = "", context: str = "", dated: str = "") -> bool:
    """Does the span state every number and name of the claim?

    A name the question itself states (`premise`) may instead stand anywhere in `context`
    (the passage with its title): an answer that repeats its question ("Rafael Nadal defeated
    Stan Wawrinka at the ATP finals in London") rests on the span for its new facts, while
    the article names its subject once, in the title or the dateline. The name must still be
    in the passage, so a question's name is never pinned onto another article's event, and
    numbers are never relaxed: a year taken from the question is a fact moved. The one
    exception is the passage's own date (`dated`, "2025-01"), which the prompt shows in its
    header and asks the model to name ("Stand Januar 2025: ...")."""
    if not numbers_in(claim) <= numbers_in(span_text) | (numbers_in(dated) if dated else set()):
        return False
    mentions = _mentions(span_text)
    # A short English answer ("Nadal defeated Wawrinka in London.") has too few function
    # words to tell its language; it is in the question's.
    english = looks_english(claim) or (bool(premise) and looks_english(premise))
    given = names_in(premise, english) if premise else set()
    around = _mentions(context) if given else ""
    for name in names_in(claim, english):
        # A name may be inflected in the span ("Microsofts"), so a prefix match suffices.
        if re.search(r"\b" + re.escape(name), mentions):
            continue
        if name in given and re.search(r"\b" + re.escape(_adjective_stem(name)), around):
            continue
        return False
    return True


def _adjective_stem(name: str) -> str:
    """The stem of a place name's German adjective: most add "-er" ("Londoner", a prefix
    match already), those in "-en" drop it first ("Dresden" -> "Dresdner", "Bremen" -> "Bremer")."""
    return name[:-2] if len(name) >= 5 and name.endswith("en") else name


def roles_swapped(claim: str, span_text: str) -> bool:
    """Does the claim put two participants around a verb the other way round from the span?
    ("Oracle übernahm Microsoft" against "Microsoft übernahm Oracle".) A participant before
    the verb is the capitalised word right before it, unless a preposition governs it ("an
    Anthropic hält der Konzern": Anthropic is no subject); one after it is any capitalised
    word later in the same clause. A change of voice ("wurde ... von") swaps the sides
    legitimately, so then nothing is claimed."""
    claim_words, span_words = _CLAUSE_WORDS.findall(claim), _CLAUSE_WORDS.findall(span_text)
    if _has_passive(claim_words) != _has_passive(span_words):
        return False
    span_triples = _triples(span_words)
    return any((b, v, a) in span_triples for a, v, b in _triples(claim_words) if a != b)


_CLAUSE_WORDS = re.compile(r"[\w'-]+|[,;:.!?]")
_CLAUSE_END = frozenset(",;:.!?") | {"und", "oder", "aber", "dass", "weil", "and", "or", "but", "that"}


def _triples(words: list[str]) -> set[tuple[str, str, str]]:
    """(participant, verb, participant) stems around each lower-case content word."""
    out = set()
    for i in range(1, len(words) - 1):
        raw = words[i]
        verb = tokenize(raw)
        before = tokenize(words[i - 1])
        if not verb or not raw[:1].islower() or raw in FUNCTION_WORDS or not before or not words[i - 1][:1].isupper():
            continue
        if i >= 2 and words[i - 2].casefold() in PREPOSITIONS:
            continue
        for w in words[i + 1:]:
            if w.casefold() in _CLAUSE_END:
                break
            stems = tokenize(w)
            if stems and w[:1].isupper():
                out.add((before[0], verb[0], stems[0]))
    return out


def _has_passive(words: list[str]) -> bool:
    return any(w.casefold() in PASSIVE_MARKERS for w in words)
