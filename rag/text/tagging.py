"""Part-of-speech tags and lemmas for German sentences, by HanTa (the Hanover Tagger).

Claim verification needs to know which words are names, which is the verb and what its
participants are (rag/answer/roles.py). No German parser with weights can be installed here
(spaCy's pipelines and stanza come from a model hub), and spaCy without a pipeline has no
tags. HanTa is a pure-Python HMM tagger whose German model ships inside its PyPI package:
STTS tags (NE proper noun, NN noun, VVFIN, APPR preposition, ART, KOUS, PRELS, ...) and lemmas
with separable prefixes ("anstrebt" -> "anstreben"), about 5 ms per sentence here.

The model is loaded on first use (0.3 s) and tagged sentences are cached.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from rag.text.lexicon import VALUE_COMPOUND

HANTA_INSTALL = 'pip install "HanTa>=1.2.1"'
# Numbers as written in news ("6,6", "400.000", "95:93"), a number compound ("100-fache",
# "40-jährige"), words with inner hyphens or apostrophes ("OpenAI-Mitarbeiter"), a percent
# sign, any other single symbol.
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:-[^\W\d_]+)?|\w+(?:[-'’]\w+)*-?|%|[^\w\s]")
_lock = threading.Lock()


@dataclass(frozen=True)
class Token:
    word: str
    lemma: str
    tag: str  # STTS, as HanTa writes it: "VV(FIN)", "ADJ(A)", "NE", "$,"


GERMAN, ENGLISH = "morphmodel_ger.pgz", "morphmodel_en.pgz"  # HanTa's model files


# Always called with the model named: lru_cache keys `_tagger()` and `_tagger(GERMAN)` apart,
# which loaded the German model twice.
@lru_cache(maxsize=2)
def _tagger(model: str):
    try:
        from HanTa import HanoverTagger
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise ImportError(f"Claim verification and follow-up resolution need HanTa: {HANTA_INSTALL}") from exc
    return HanoverTagger.HanoverTagger(model)


def load_tagger() -> None:
    """Load the German model now rather than on the first sentence tagged (0.5 s)."""
    _tagger(GERMAN)


_ABBREVIATION = re.compile(r"[A-ZÄÖÜ][A-ZÄÖÜ0-9]+s?")
_FINITE = frozenset({"VA(FIN)", "VV(FIN)", "VM(FIN)"})


@lru_cache(maxsize=8192)
def tag(text: str) -> tuple[Token, ...]:
    """The tokens of one German sentence with their tags and lemmas."""
    words = _TOKEN.findall(text)
    if not words:
        return ()
    # HanTa tags an abbreviation it does not know "XY" (a non-word: "JG", "ICC"); it is a name.
    tags = ["NE" if t == "XY" and _ABBREVIATION.fullmatch(w) else t for w, t in zip(words, _tags(tuple(words), GERMAN))]
    for i, w in enumerate(words):
        # "Als Altman entlassen wurde, hatte ...": "als" opening a clause whose finite verb closes
        # it is the conjunction (HanTa: a preposition).
        if w.casefold() == "als" and (i == 0 or tags[i - 1] == "$,"):
            end = next((j for j in range(i + 1, len(words)) if tags[j].startswith("$")), len(words))
            if end - i > 2 and tags[end - 1] in _FINITE:
                tags[i] = "KOUS"
    return tuple(Token(w, lemma, "CARD" if _is_value(w, t) else t)
                 for w, lemma, t in zip(words, _lemmas(words, tags, GERMAN), tags))


def _tags(words: tuple[str, ...], model: str) -> list[str]:
    """HanTa's tags for one sentence (its Viterbi pass over the sentence)."""
    tagger = _tagger(model)
    with _lock:  # HanTa keeps per-call state on the tagger object
        return tagger.tag_sent(list(words), taglevel=0)


def _lemmas(words, tags: list[str], model: str) -> list[str]:
    """Each word's lemma given its tag: what `tag_sent(taglevel=1)` returns, by HanTa's public
    `analyze(word, pos)`, cached per (word, tag). The lemma pass was half of a sentence's
    tagging (0.65 of 1.41 s for 47 seeds questions), and words recur across sentences."""
    return [_lemma(w, t, model) for w, t in zip(words, tags)]


@lru_cache(maxsize=1 << 16)
def _lemma(word: str, tag: str, model: str) -> str:
    tagger = _tagger(model)
    with _lock:
        return tagger.analyze(word, pos=tag, taglevel=1)[0]


def _is_value(word: str, tag: str) -> bool:
    """A noun that is a number: "das 100-fache", "Dreiviertel", "das Zweifache" (HanTa: NN)."""
    return tag.startswith("NN") and (word[:1].isdigit() or bool(VALUE_COMPOUND.fullmatch(word.casefold())))


@lru_cache(maxsize=8192)
def compound_parts(word: str) -> tuple[str, ...]:
    """The noun parts of a German compound, by HanTa's morphology: "Einfuhrzölle" ->
    ("einfuhr", "zöll"); a simple noun is one part."""
    tagger = _tagger(GERMAN)
    with _lock:
        _, parts, _ = tagger.analyze(word, taglevel=3)
    return tuple(m.casefold() for m, t in parts if t.startswith("NN")) or (word.casefold(),)


@lru_cache(maxsize=4096)
def tag_words(words: tuple[str, ...], english: bool = False) -> tuple[tuple[str, str], ...]:
    """(lemma, tag) for each of `words`, one sentence, already tokenised. German tags are STTS
    as above; English ones are HanTa's BNC (C5) tags ("NN1", "NN2", "PNP", "VVD", "AT0")."""
    if not words:
        return ()
    model = ENGLISH if english else GERMAN
    tags = _tags(words, model)
    return tuple(zip(_lemmas(words, tags, model), tags))


def compound_head(word: str) -> str:
    """The last part of a German compound, lower case ("Chiphersteller" -> "hersteller",
    "Inlandsnachfrage" -> "nachfrage"); the word itself when it is none."""
    return compound_parts(word)[-1]


# HanTa's log-probability of a word it knows lies above this; a word it guesses lies far below
# ("Physik" -12.3, "Wasserkraft" -17.5, "Inlandsnachfrage" -21.0; "Grünheide" -23.5,
# "Stargate" -24.7, "Twitter" -32.0, "Lagarde" -31.2).
_UNKNOWN_BELOW = -23.0


@lru_cache(maxsize=8192)
def unknown_word(word: str, below: float = _UNKNOWN_BELOW) -> bool:
    """A German word the tagger's lexicon does not know (a name it has not seen, mostly);
    a higher `below` also counts rare words ("Annalena" -22.9)."""
    tagger = _tagger(GERMAN)
    with _lock:
        scores = tagger.tag_word(word)
    return not scores or max(float(s) for _, s in scores) < below
