"""What an index update hands to a store: the next version's documents and its new rows.

Ingest decides what changed and embeds only that; a store (`rag.index.local`, ...) turns an
`IndexUpdate` into a published version. Vectors of renamed documents are not re-embedded:
`reused` names the old chunk ids whose vectors (and sentence vectors) the store already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rag.core.types import Chunk
from rag.index.manifest import ChunkingInfo, DocumentEntry, EmbedderInfo
from rag.index.sentences import SentenceRows


@dataclass
class IndexUpdate:
    embedder: EmbedderInfo
    chunking: ChunkingInfo
    documents: dict[str, DocumentEntry] = field(default_factory=dict)  # all of the next version's
    new_chunks: list[Chunk] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)  # stable chunk id of each new chunk
    to_embed: list[int] = field(default_factory=list)  # positions in new_chunks without a vector
    reused: list[tuple[int, int]] = field(default_factory=list)  # (position, old chunk id): renames
    next_id: int = 0
    scan_started_ns: int = 0  # when the stats in `documents` were taken (rag/ingest/sources.py)
    sentences: EmbedderInfo | None = None  # the embedder of the sentence vectors (None: none stored)

    @property
    def n_chunks(self) -> int:
        return sum(d.n_chunks for d in self.documents.values())

    def vectors(self, embedded: np.ndarray, old_vectors) -> np.ndarray:
        """The new rows' vectors: `embedded` for `to_embed` (in order), and for reused rows
        `old_vectors(ids)` from the store."""
        dim = int(self.embedder.dim)
        vectors = np.empty((len(self.new_chunks), dim), dtype=np.float32)
        vectors[self.to_embed] = embedded
        if self.reused:
            vectors[[p for p, _ in self.reused]] = old_vectors([i for _, i in self.reused])
        return vectors

    def sentence_rows(self, embedded: SentenceRows, old_rows) -> SentenceRows:
        """The new rows' sentences: `embedded` for `to_embed` (in order), and for reused rows
        `old_rows(ids)` (a SentenceRows of those ids, in order) from the store."""
        dim = int(self.sentences.dim) if self.sentences is not None else int(self.embedder.dim)
        source = np.zeros(len(self.new_chunks), dtype=np.int64)  # row of `both` for each new row
        source[self.to_embed] = np.arange(len(self.to_embed))
        both = embedded
        if self.reused:
            source[[p for p, _ in self.reused]] = embedded.rows + np.arange(len(self.reused))
            both = SentenceRows.concat([embedded, old_rows([i for _, i in self.reused])], dim)
        return both.take(source)
