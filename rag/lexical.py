"""German-aware BM25 (bm25s + PyStemmer): the lexical half of hybrid retrieval.

Tokens are casefolded words, stopwords removed, Snowball-German stemmed (which also folds
umlauts, so "Verträge" and "Vertrag" meet). Persisted with bm25s's own npy/json files,
loaded with allow_pickle=False.

Beside bm25s's score matrix we keep each row's term frequencies (CSR: token ids + counts).
BM25 scores depend on corpus-wide statistics (idf, average length), so adding one chunk
changes every score; with the cached counts the matrix is recomputed in a few vectorised
numpy passes instead of re-tokenising and re-stemming every chunk of the corpus.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
K1, B = 1.2, 0.75
TF_FILES = ("tf_indptr.npy", "tf_tokens.npy", "tf_counts.npy")


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

    def select_and_append(self, keep: np.ndarray, new: "TermFreqs") -> "TermFreqs":
        """Rows where `keep` is true (in order), then the rows of `new` (same vocab)."""
        lengths = np.diff(self.indptr)
        per_entry = np.repeat(keep, lengths)
        lengths = np.concatenate([lengths[keep], np.diff(new.indptr)])
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return TermFreqs(new.vocab, indptr, np.concatenate([self.tokens[per_entry], new.tokens]),
                         np.concatenate([self.counts[per_entry], new.counts]))

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
        self.tf = tf  # None for indexes written before the counts were cached

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))

    @classmethod
    def _from_tf(cls, tf: TermFreqs) -> "LexicalIndex":
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

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        return cls._from_tf(TermFreqs.of_texts(texts, {}))

    def updated(self, keep: np.ndarray, new_texts: Sequence[str]) -> "LexicalIndex":
        """The index over rows `keep` of this one followed by `new_texts`; only those are
        tokenised. Needs the cached counts (`self.tf`)."""
        assert self.tf is not None
        new = TermFreqs.of_texts(new_texts, dict(self.tf.vocab))
        return self._from_tf(self.tf.select_and_append(np.asarray(keep, dtype=bool), new))

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
        if self.tf is not None:
            for name, arr in zip(TF_FILES, (self.tf.indptr, self.tf.tokens, self.tf.counts)):
                np.save(directory / name, arr, allow_pickle=False)
        (directory / "size.txt").write_text(str(self.size))
        (directory / "df.json").write_text(json.dumps(self.df, ensure_ascii=False, sort_keys=True))

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        import bm25s

        size = int((directory / "size.txt").read_text())
        df = json.loads((directory / "df.json").read_text())
        retriever = bm25s.BM25(k1=K1, b=B) if size == 0 else \
            bm25s.BM25.load(str(directory), mmap=False, allow_pickle=False, show_progress=False)
        tf = None
        if all((directory / name).is_file() for name in TF_FILES):
            indptr, tokens, counts = (np.load(directory / n, allow_pickle=False) for n in TF_FILES)
            vocab = dict(retriever.vocab_dict or {}) if size else {}
            tf = TermFreqs(vocab, indptr, tokens, counts)
        return cls(retriever, size, df, tf)
