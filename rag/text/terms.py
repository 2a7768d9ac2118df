"""Search terms: casefolded words, German stopwords removed, Snowball-German stemmed (which
also folds umlauts, so "Verträge" and "Vertrag" meet). BM25, the reader and the citation
check all compare text through these terms."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text.lexicon import german_stopwords

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("german")


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens of `text` (digits kept: numbers are often the answer)."""
    return list(_tokens(text) if len(text) <= _CACHED_CHARS else _stems(text))


# Sentences are cached: the reader tokenises every candidate sentence on every request (28,805
# calls, 0.29 s of 6.1 s for 40 seeds questions), and a served corpus's sentences recur. Longer
# texts (chunks, which an index build tokenises once each) are not: at most ~2 KB an entry,
# 8,192 entries stay under ~20 MB.
_CACHED_CHARS = 400


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return _stems(text)


def _stems(text: str) -> tuple[str, ...]:
    stop = german_stopwords()
    words = [w for w in _WORD.findall(text.casefold().replace("ß", "ss")) if w not in stop]
    words = [w for w in words if len(w) > 1 or w.isdigit()]
    return tuple(_stemmer().stemWords(words))
