"""German-aware BM25 (bm25s + PyStemmer): the lexical half of hybrid retrieval.

Tokens are casefolded words, stopwords removed, Snowball-German stemmed (which also folds
umlauts, so "Verträge" and "Vertrag" meet).

What is persisted (per segment, see rag/segments.py) is each row's term counts (CSR: token
ids + counts), not bm25s's score matrix: BM25 scores depend on corpus-wide statistics (idf,
average length), so adding one chunk changes every score. At load the counts of all
segments are merged and bm25s's matrix is computed in a few vectorised numpy passes,
without re-tokenising or re-stemming any chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
K1, B = 1.2, 0.75


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


@dataclass(frozen=True)
class TermFreqs:
    """Per-row term counts in CSR form; row i's tokens are tokens[indptr[i]:indptr[i+1]]."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, n_rows + 1
    tokens: np.ndarray  # int32 vocabulary ids
    counts: np.ndarray  # int32 term frequency

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @staticmethod
    def of_texts(texts: Sequence[str], vocab: dict[str, int]) -> "TermFreqs":
        """Tokenise `texts`, growing `vocab` (mutated) with unseen stems."""
        ids = [[vocab.setdefault(t, len(vocab)) for t in tokenize(text)] for text in texts]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(ids), dtype=np.int64), lengths)
        # One sort over (row, token) keys gives every row's distinct tokens and counts.
        keys, counts = np.unique(rows * max(len(vocab), 1) + flat, return_counts=True)
        key_rows = keys // max(len(vocab), 1)
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(key_rows, minlength=len(ids)), out=indptr[1:])
        return TermFreqs(vocab, indptr, (keys % max(len(vocab), 1)).astype(np.int32), counts.astype(np.int32))

    def stems(self) -> list[str]:
        """The vocabulary as a list, stem i at position i (how segments store it)."""
        out = [""] * len(self.vocab)
        for stem, i in self.vocab.items():
            out[i] = stem
        return out

    @staticmethod
    def concat(parts: Sequence[tuple["TermFreqs", np.ndarray]]) -> "TermFreqs":
        """The rows where each part's mask is true, in order, over one merged vocabulary
        (segments each carry their own vocabulary)."""
        vocab: dict[str, int] = {}
        indptrs, tokens, counts = [np.zeros(1, dtype=np.int64)], [], []
        offset = 0
        for tf, keep in parts:
            to_merged = np.fromiter((vocab.setdefault(s, len(vocab)) for s in tf.stems()),
                                    dtype=np.int32, count=len(tf.vocab))
            lengths = np.diff(tf.indptr)
            per_entry = np.repeat(np.asarray(keep, dtype=bool), lengths)
            tokens.append(to_merged[tf.tokens[per_entry]])
            counts.append(tf.counts[per_entry])
            indptrs.append(offset + np.cumsum(lengths[keep]))
            offset = int(indptrs[-1][-1]) if len(indptrs[-1]) else offset
        return TermFreqs(vocab, np.concatenate(indptrs).astype(np.int64),
                         np.concatenate(tokens).astype(np.int32) if tokens else np.zeros(0, np.int32),
                         np.concatenate(counts).astype(np.int32) if counts else np.zeros(0, np.int32))

    def compacted(self) -> "TermFreqs":
        """The same rows over only the stems that still occur (merges drop deleted rows)."""
        used, inverse = np.unique(self.tokens, return_inverse=True)
        stems = self.stems()
        return TermFreqs({stems[i]: n for n, i in enumerate(used.tolist())}, self.indptr,
                         inverse.astype(np.int32).reshape(-1), self.counts)

    def document_frequencies(self) -> np.ndarray:
        return np.bincount(self.tokens, minlength=len(self.vocab))

    def score_matrix(self) -> dict:
        """bm25s's CSC score matrix (token-major), with bm25s's "lucene" formulas."""
        import scipy.sparse as sp

        n, n_vocab = self.rows, len(self.vocab)
        row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        doc_len = np.bincount(row_of, weights=self.counts, minlength=n)
        avg_len = float(doc_len.mean()) if n and doc_len.any() else 1.0
        df = self.document_frequencies()
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        tf = self.counts.astype(np.float64)
        tfc = tf / (K1 * ((1 - B) + B * doc_len[row_of] / avg_len) + tf)
        scores = (idf[self.tokens] * tfc).astype(np.float32)
        csc = sp.csr_matrix((scores, self.tokens, self.indptr), shape=(n, n_vocab)).tocsc()
        return {"data": csc.data.astype(np.float32), "indices": csc.indices.astype(np.int32),
                "indptr": csc.indptr.astype(np.int64), "num_docs": n}


class LexicalIndex:
    """BM25 over a fixed list of texts; row i scores texts[i]."""

    def __init__(self, retriever, size: int, df: dict[str, int] | None = None, tf: TermFreqs | None = None):
        self._retriever = retriever
        self.size = size
        self.df = df or {}  # document frequency per stemmed token, for idf weighting elsewhere
        self.tf = tf

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))

    @classmethod
    def from_term_freqs(cls, tf: TermFreqs) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B)
        if tf.rows:
            retriever.scores = tf.score_matrix()
            retriever.vocab_dict = tf.vocab
            retriever.unique_token_ids_set = set(tf.vocab.values())
            retriever.nonoccurrence_array = None  # only BM25L/BM25+ use it; bm25s sets it in index()
        df_arr = tf.document_frequencies()
        tokens = np.empty(len(tf.vocab), dtype=object)
        tokens[np.fromiter(tf.vocab.values(), dtype=np.int64, count=len(tf.vocab))] = list(tf.vocab)
        present = np.flatnonzero(df_arr)
        df = dict(zip(tokens[present].tolist(), df_arr[present].tolist()))
        return cls(retriever, tf.rows, df, tf)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score for every indexed text (zeros when no query term is known)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self._retriever.vocab_dict or {}
        terms = [t for t in tokenize(query) if t in vocab]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
