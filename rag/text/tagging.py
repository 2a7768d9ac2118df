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


@lru_cache(maxsize=1)
def _tagger():
    try:
        from HanTa import HanoverTagger
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise ImportError(f"Claim verification needs HanTa: {HANTA_INSTALL}") from exc
    return HanoverTagger.HanoverTagger("morphmodel_ger.pgz")


@lru_cache(maxsize=8192)
def tag(text: str) -> tuple[Token, ...]:
    """The tokens of one German sentence with their tags and lemmas."""
    words = _TOKEN.findall(text)
    if not words:
        return ()
    tagger = _tagger()
    with _lock:  # HanTa keeps per-call state on the tagger object
        tagged = tagger.tag_sent(words, taglevel=1)
    return tuple(Token(w, lemma, "CARD" if _is_value(w, t) else t) for w, lemma, t in tagged)


def _is_value(word: str, tag: str) -> bool:
    """A noun that is a number: "das 100-fache", "Dreiviertel", "das Zweifache" (HanTa: NN)."""
    return tag.startswith("NN") and (word[:1].isdigit() or bool(VALUE_COMPOUND.fullmatch(word.casefold())))


@lru_cache(maxsize=8192)
def compound_parts(word: str) -> tuple[str, ...]:
    """The noun parts of a German compound, by HanTa's morphology: "Einfuhrzölle" ->
    ("einfuhr", "zöll"); a simple noun is one part."""
    tagger = _tagger()
    with _lock:
        _, parts, _ = tagger.analyze(word, taglevel=3)
    return tuple(m.casefold() for m, t in parts if t.startswith("NN")) or (word.casefold(),)
