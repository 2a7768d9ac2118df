"""German-aware BM25 (bm25s + PyStemmer): the lexical half of hybrid retrieval.

Tokens are casefolded words, stopwords removed, Snowball-German stemmed (which also folds
umlauts, so "Verträge" and "Vertrag" meet). Persisted with bm25s's own npy/json files,
loaded with allow_pickle=False.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("german")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_GERMAN

    return frozenset(STOPWORDS_GERMAN)


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens of `text` (digits kept: numbers are often the answer)."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.casefold().replace("ß", "ss")) if w not in stop]
    words = [w for w in words if len(w) > 1 or w.isdigit()]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 over a fixed list of texts; row i scores texts[i]."""

    def __init__(self, retriever, size: int, df: dict[str, int] | None = None):
        self._retriever = retriever
        self.size = size
        self.df = df or {}  # document frequency per stemmed token, for idf weighting elsewhere

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        import logging

        import bm25s

        # bm25s sets its own logger to DEBUG, which prints through the CLI's root handler.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokenize(t) for t in texts]
        if corpus:
            retriever.index(corpus, show_progress=False)
        df: dict[str, int] = {}
        for tokens in corpus:
            for tok in set(tokens):
                df[tok] = df.get(tok, 0) + 1
        return cls(retriever, len(corpus), df)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score for every indexed text (zeros when no query term is known)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._retriever.vocab_dict or {}
        terms = [t for t in tokenize(query) if t in vocab]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._retriever.save(str(directory), show_progress=False)
        (directory / "size.txt").write_text(str(self.size))
        (directory / "df.json").write_text(json.dumps(self.df, ensure_ascii=False, sort_keys=True))

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        import bm25s

        size = int((directory / "size.txt").read_text())
        df = json.loads((directory / "df.json").read_text())
        if size == 0:
            return cls(bm25s.BM25(), 0, df)
        retriever = bm25s.BM25.load(str(directory), mmap=False, allow_pickle=False, show_progress=False)
        return cls(retriever, size, df)
