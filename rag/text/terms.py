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
    stop = german_stopwords()
    words = [w for w in _WORD.findall(text.casefold().replace("ß", "ss")) if w not in stop]
    words = [w for w in words if len(w) > 1 or w.isdigit()]
    return _stemmer().stemWords(words)
