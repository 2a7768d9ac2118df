"""German BM25, the lexical half of hybrid retrieval, over the terms of `rag.text.terms`.

What is persisted (per segment, see `segments.py`) is each row's term counts (CSR: token
ids + counts), not a score matrix: BM25 scores depend on corpus-wide statistics (idf,
average length), so adding one chunk changes every score. At load the counts of all
segments are merged and the score matrix is computed in a few vectorised numpy passes,
without re-tokenising or re-stemming any chunk.

Scored here, not by bm25s: bm25s can only score an index it built itself (its public API
would re-tokenise every chunk at every load); a query's score is a sum of matrix columns.
The formulas are bm25s's "lucene" variant (Lucene's idf, k1 = 1.2, b = 0.75).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rag.text.terms import tokenize

K1, B = 1.2, 0.75


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

    def score_matrix(self):
        """The BM25 weight of every (row, term), as a CSC matrix (term-major)."""
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
        return sp.csr_matrix((scores, self.tokens, self.indptr), shape=(n, n_vocab)).tocsc()


class LexicalIndex:
    """BM25 over a fixed list of texts; row i scores texts[i]."""

    def __init__(self, matrix, vocab: dict[str, int], size: int, df: dict[str, int]):
        self._matrix = matrix  # CSC (rows x terms) of BM25 weights, or None when empty
        self._vocab = vocab
        self.size = size
        self.df = df  # document frequency per stemmed token, for idf weighting elsewhere

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))

    @classmethod
    def from_term_freqs(cls, tf: TermFreqs) -> "LexicalIndex":
        df_arr = tf.document_frequencies()
        tokens = np.empty(len(tf.vocab), dtype=object)
        tokens[np.fromiter(tf.vocab.values(), dtype=np.int64, count=len(tf.vocab))] = list(tf.vocab)
        present = np.flatnonzero(df_arr)
        df = dict(zip(tokens[present].tolist(), df_arr[present].tolist()))
        return cls(tf.score_matrix() if tf.rows else None, tf.vocab, tf.rows, df)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score for every indexed text (zeros when no query term is known). A term
        repeated in the query counts again, as in bm25s; float32 sums in query order."""
        out = np.zeros(self.size, dtype=np.float32)
        if self._matrix is None:
            return out
        m = self._matrix
        for term in tokenize(query):
            col = self._vocab.get(term)
            if col is not None:
                start, stop = m.indptr[col], m.indptr[col + 1]
                out[m.indices[start:stop]] += m.data[start:stop]
        return out
