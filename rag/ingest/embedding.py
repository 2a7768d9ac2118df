"""Embedding an update's new chunks, and their sentences, with progress (tqdm and the
UI/CLI callback).

Sentences are embedded at index time so that a question costs one encode (`rag.index.sentences`
says why): each chunk's sentences as the reader cuts them (`sentence_spans` of the chunk
text), encoded by the question embedder as passages, which is what the reader did for every
question. A sentence repeated in overlapping chunks is encoded once: its vector does not
depend on its batch (identical rows, measured).
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence

import numpy as np

from rag.core.types import Chunk
from rag.index.sentences import SentenceRows
from rag.ingest.chunking import embedding_text
from rag.text.sentences import sentence_spans

Progress = Callable[[float, str], None]  # progress(fraction 0..1, message)


def embed_chunks(embedder, chunks: Sequence[Chunk], notify: Progress) -> np.ndarray:
    """All new chunks in one call, so the embedder sorts them by length and tokenises each
    text once."""
    if not chunks:
        return np.zeros((0, int(embedder.dim)), dtype=np.float32)
    texts = [embedding_text(c) for c in chunks]
    with _bar("Embedding", "chunk", len(texts), notify, 0.05, 0.45) as advance:
        vectors = embedder.encode_documents(texts, progress=advance)
    return np.asarray(vectors, dtype=np.float32)


def sentence_texts(chunks: Sequence[Chunk]) -> tuple[list[list[tuple[int, int]]], list[str]]:
    """Each chunk's sentence spans (offsets into its text), and every sentence's text in
    that order."""
    spans = [sentence_spans(c.text) for c in chunks]
    return spans, [c.text[s:e] for c, pairs in zip(chunks, spans) for s, e in pairs]


def embed_sentences(embedder, chunks: Sequence[Chunk], notify: Progress | None = None) -> SentenceRows:
    """The sentences of `chunks` and their vectors, each distinct sentence encoded once."""
    spans, texts = sentence_texts(chunks)
    unique = list(dict.fromkeys(texts))
    if not unique:
        return SentenceRows.empty(len(chunks), int(embedder.dim))
    with _bar("Sentences", "sentence", len(unique), notify, 0.45, 0.9) as advance:
        encoded = np.asarray(embedder.encode_documents(unique, progress=advance), dtype=np.float32)
    position = {t: i for i, t in enumerate(unique)}
    return SentenceRows.of_lists(spans, encoded[[position[t] for t in texts]])


@contextlib.contextmanager
def _bar(desc: str, unit: str, total: int, notify: Progress | None, low: float, high: float) -> Iterator:
    """The callback an embedder calls with each batch's size: it moves tqdm's bar and the
    UI/CLI progress from `low` to `high`."""
    from tqdm.auto import tqdm

    done = [0]
    # No bar for a few texts, nor without a caller to report to (a Ray actor's batches), nor
    # when stderr is no terminal (None: tqdm's own test), where it only fills logs and pipes.
    quiet = True if total < 64 or notify is None else None
    with tqdm(total=total, desc=desc, unit=unit, disable=quiet) as bar:
        def advance(n: int) -> None:
            done[0] += n
            bar.update(n)
            if notify is not None:
                notify(low + (high - low) * done[0] / max(total, 1), desc.lower())

        yield advance
