"""Sentence vectors stored with their chunks, so a question costs one encode, not one per
candidate sentence.

The extractive reader weighs every sentence of the retrieved passages by its cosine to the
question (`rag.answer.reader`). Encoding those sentences at query time took 43 % of an
answer's time on the seeds (issue 36), and on a real corpus most candidates are new to any
cache. So the index stores, for each chunk, its sentences (`rag.text.sentences.sentence_spans`
of the chunk text, as the reader cuts them) and their embeddings by the question embedder
(fp32, `encode_documents`): the very vectors the reader computed before, bit for bit (onnx
gives identical rows whatever the batch or thread count; measured on the seed sentences).

`SentenceRows` is the on-disk and in-memory form for many chunks, in CSR layout: row i's
sentences are `indptr[i]:indptr[i+1]` of `spans` and `vectors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rag.core.types import SentenceVectors

# Segment files (rag/index/local/segments.py); the Milvus store keeps the same rows in its
# `<collection>_sentences` collection (rag/index/milvus/schema.py).
FILES = ("sent_indptr.npy", "sent_spans.npy", "sent_vectors.npy")


@dataclass(frozen=True)
class SentenceRows:
    """The sentences of `rows` chunks: spans into each chunk's text, and their vectors."""

    indptr: np.ndarray  # int64 (rows + 1,)
    spans: np.ndarray  # int32 (n, 2)
    vectors: np.ndarray  # float32 (n, dim); may be a read-only memory map

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @staticmethod
    def empty(rows: int, dim: int) -> "SentenceRows":
        """`rows` chunks without sentences (a chunk can hold none: whitespace only)."""
        return SentenceRows(np.zeros(rows + 1, np.int64), np.zeros((0, 2), np.int32), np.zeros((0, dim), np.float32))

    @staticmethod
    def of_lists(spans: Sequence[Sequence[tuple[int, int]]], vectors: np.ndarray) -> "SentenceRows":
        """Rows from each chunk's span list; `vectors` holds their sentences in that order."""
        lengths = np.fromiter((len(s) for s in spans), dtype=np.int64, count=len(spans))
        indptr = np.zeros(len(spans) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = np.array([pair for chunk in spans for pair in chunk], dtype=np.int32).reshape(-1, 2)
        return SentenceRows(indptr, flat, np.ascontiguousarray(vectors, dtype=np.float32))

    def of(self, row: int, model_id: str) -> SentenceVectors:
        """Row `row`'s sentences, as the reader receives them with a hit."""
        a, b = int(self.indptr[row]), int(self.indptr[row + 1])
        return SentenceVectors(self.spans[a:b], np.asarray(self.vectors[a:b]), model_id)

    def take(self, rows: np.ndarray) -> "SentenceRows":
        """The given rows (indices, or a bool mask), in that order; vectors are copied."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
        starts, stops = self.indptr[rows], self.indptr[rows + 1]
        lengths = stops - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        # Positions of every kept sentence, without a Python loop over rows.
        picks = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]), dtype=np.int64)
        return SentenceRows(indptr, self.spans[picks], np.ascontiguousarray(self.vectors[picks], dtype=np.float32))

    @staticmethod
    def concat(parts: Sequence["SentenceRows"], dim: int) -> "SentenceRows":
        if not parts:
            return SentenceRows.empty(0, dim)
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + o for p, o in zip(parts, offsets)]).astype(np.int64)
        return SentenceRows(indptr, np.concatenate([p.spans for p in parts]).astype(np.int32),
                            np.ascontiguousarray(np.concatenate([p.vectors for p in parts]), dtype=np.float32))

    def check(self, rows: int, dim: int) -> None:
        """Shapes agree with `rows` chunks of `dim`-dimensional vectors (ValueError)."""
        n = int(self.indptr[-1]) if len(self.indptr) else -1
        if len(self.indptr) != rows + 1 or self.spans.shape != (n, 2) or self.vectors.shape != (n, dim) \
                or (len(self.indptr) > 1 and (np.diff(self.indptr) < 0).any()):
            raise ValueError(f"sentences: {len(self.indptr)} offsets for {rows} rows, spans {self.spans.shape}, "
                             f"vectors {self.vectors.shape} (dim {dim})")

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by file name (FILES)."""
        return dict(zip(FILES, (self.indptr, self.spans, self.vectors)))


@dataclass(frozen=True)
class SentenceLookup:
    """Row -> its stored sentences, over the live rows of several parts (the local store's
    segments) in order: each row is (part, row within it), so nothing is copied at load."""

    parts: tuple[SentenceRows, ...]
    part_of_row: np.ndarray  # int32, row -> index into parts
    local_row: np.ndarray  # int64, row -> row within that part
    model_id: str

    def of(self, row: int) -> SentenceVectors:
        return self.parts[int(self.part_of_row[row])].of(int(self.local_row[row]), self.model_id)

    @staticmethod
    def build(parts: Sequence[SentenceRows], masks: Sequence[np.ndarray], model_id: str) -> "SentenceLookup":
        """Over the rows where each part's mask (bool per row) is true."""
        if not masks:
            return SentenceLookup(tuple(parts), np.zeros(0, np.int32), np.zeros(0, np.int64), model_id)
        part_of_row = np.concatenate([np.full(int(np.count_nonzero(k)), i, np.int32) for i, k in enumerate(masks)])
        local_row = np.concatenate([np.flatnonzero(k) for k in masks]).astype(np.int64)
        return SentenceLookup(tuple(parts), part_of_row, local_row, model_id)
