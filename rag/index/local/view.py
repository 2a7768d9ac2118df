"""The search index: the query-side view of one store version, merged from its segments.

A version is a manifest plus immutable segments (`segments.py`). The manifest's
`documents` say which chunk ids are live; loading verifies every segment file against the
manifest's sha256, then concatenates the live rows of all segments into one chunk list,
one BM25 index and one dense index (`dense.py`: exact FAISS IndexFlatIP for small
segments, the HNSW graphs of large ones).

Within a process, verified segments are cached by file identity (name, size, inode,
mtime). Segments are immutable and hard-linked from one version into the next, so after an
update only the new segment is read and hashed; re-hashing hundreds of MB on every reload
(the UI after each rebuild, each incremental update) would buy nothing. The caches hold
immutable values and are replaced whole under a lock, never edited in place.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.config import IndexSettings
from rag.core.errors import IndexCorruptError
from rag.core.types import Chunk, SentenceVectors
from rag.index.local.dense import DenseIndex, GraphPart
from rag.index.local.lexical import LexicalIndex, TermFreqs
from rag.index.local.segments import Segment, read_segment, read_sentences, segment_files
from rag.index.sentences import SentenceLookup
from rag.index.local.topk import top_n
from rag.index.local.versions import VersionStore, forget_manifests
from rag.index.manifest import REBUILD_HINT, Manifest

SEGMENTS_DIR = "segments"


@dataclass
class SearchIndex:
    """Rows are the live chunks of all segments, in segment order; `ids[row]` is the
    chunk's stable id (stable across updates, see the manifest's `id_range`s)."""

    manifest: Manifest
    version: str
    chunks: list[Chunk]
    ids: np.ndarray  # int64, row -> stable chunk id
    vectors: DenseIndex  # dense search over the rows
    lexical: LexicalIndex
    sentences: "SentenceLookup | None" = None  # None: built before sentence vectors were stored

    @property
    def embedder_id(self) -> str:
        return self.manifest.embedder.model_id

    @property
    def dim(self) -> int:
        return int(self.manifest.embedder.dim)

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse to mix vectors of two models (Manifest.check_embedder)."""
        self.manifest.check_embedder(model_id, dim)

    def dense(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-n (row, cosine) for one L2-normalised query vector, among the `allowed` rows
        (a bool mask; None: all). The mask is applied inside the search, before top-n."""
        return self.vectors.search(query_vector, n, allowed)

    def lexical_scores(self, query: str) -> np.ndarray:
        return self.lexical.scores(query)

    def vectors_for_rows(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.vectors.reconstruct(np.asarray(rows, dtype=np.int64))

    # -- the SearchView interface (rag/index/stores.py): keys are rows ----------------------
    @property
    def size(self) -> int:
        return len(self.chunks)

    def search_dense(self, query_vector: np.ndarray, n: int, where=None) -> list[tuple[int, float]]:
        return self.dense(query_vector, n, where.mask(self.chunks) if where is not None else None)

    def search_lexical(self, query: str, where=None) -> "RowScores":
        scores = self.lexical_scores(query)
        allowed = where.mask(self.chunks) if where is not None else None
        return RowScores(np.where(allowed, scores, 0).astype(scores.dtype) if allowed is not None else scores)

    def cosines(self, keys, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors_for_rows(list(keys)) @ query_vector if len(keys) else np.zeros(0, np.float32)

    def chunk(self, key: int) -> Chunk:
        return self.chunks[key]

    def chunks_of(self, keys) -> list[Chunk]:
        return [self.chunks[k] for k in keys]

    def document_keys(self, id_range: tuple[int, int]) -> list[int]:
        rows = np.flatnonzero((self.ids >= id_range[0]) & (self.ids < id_range[1]))
        return [int(r) for r in rows[np.argsort(self.ids[rows], kind="stable")]]

    def idf(self, term: str) -> float:
        return self.lexical.idf(term)

    def sentence_vectors(self, keys) -> list[SentenceVectors | None]:
        """Each key's stored sentences (None for all when the index has none)."""
        if self.sentences is None:
            return [None] * len(keys)
        return [self.sentences.of(int(k)) for k in keys]

    def status(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "version": self.version,
            "documents": len(m.documents),
            "chunks": len(self.chunks),
            "segments": len(m.segments),
            "dense_search": "hnsw" if self.vectors.approximate else "exact",
            "ann_recall_at_10": {e.name: e.ann["recall_at_10"] for e in m.segments if e.ann},
            "embedder": self.embedder_id,
            "dim": self.dim,
            "sentence_vectors": self.manifest.sentences.model_id if self.manifest.sentences else None,
            "built_at": m.created_at,
            "chunking": {"chunker": m.chunking.chunker, "chunk_size": m.chunking.chunk_size,
                         "chunk_overlap": m.chunking.chunk_overlap},
        }


@dataclass(frozen=True)
class RowScores:
    """BM25 scores of every row for one query (zero outside the filter)."""

    values: np.ndarray

    def top(self, n: int) -> list[tuple[int, float]]:
        # Only rows that match a query term can rank. Selecting among them first: top 50 of
        # 1M rows when 0.8% match, 95.7 -> 0.8 ms (partitioning a mostly-zero array is slow);
        # when 96% match, 9.4 vs 9.1 ms (medians of 50, one run).
        matching = np.flatnonzero(self.values > 0)
        return [(int(r), float(self.values[r])) for r in matching[top_n(self.values[matching], n)]]

    def scores(self, keys) -> np.ndarray:
        return self.values[np.asarray(keys, dtype=np.int64)] if len(keys) else np.zeros(0, np.float32)


def live_mask(manifest: Manifest, size: int = 0) -> np.ndarray:
    """Bool per chunk id: true when a document of the manifest holds that id."""
    live = np.zeros(max(int(manifest.next_id), size), dtype=bool)
    for meta in manifest.documents.values():
        start, stop = meta.id_range
        live[start:stop] = True
    return live


def segment_masks(segments: list[Segment], live: np.ndarray) -> list[np.ndarray]:
    if any(s.rows and int(s.ids.max()) >= len(live) for s in segments):
        live = np.concatenate([live, np.zeros(max(int(s.ids.max()) for s in segments if s.rows) + 1 - len(live), bool)])
    return [live[s.ids] for s in segments]


# -- the per-process cache of verified segments ---------------------------------------------
_cache: dict[Path, dict[tuple, Segment]] = {}  # index root -> {file identity: segment}
_merged: dict[Path, tuple[str, tuple, SearchIndex]] = {}  # index root -> last merged view
_cache_lock = threading.Lock()


def _identity(directory: Path) -> tuple:
    out = [directory.name]
    for fname in segment_files(directory):
        try:
            st = (directory / fname).stat()
        except FileNotFoundError:
            raise IndexCorruptError(
                f"Index file {directory.name}/{fname} is missing. {REBUILD_HINT}") from None
        out.append((fname, st.st_size, st.st_ino, st.st_mtime_ns))
    return tuple(out)


def forget_verified() -> None:
    """Drop the per-process caches (segments, merged views, parsed manifests), so the next
    load re-reads, re-parses and re-verifies everything, as a fresh process would (benchmarks)."""
    with _cache_lock:
        _cache.clear()
        _merged.clear()
    forget_manifests()


def open_segments(root: Path, version_dir: Path, manifest: Manifest,
                  verify: bool = True) -> tuple[list[Segment], tuple]:
    """The version's segments, each verified against the manifest once per process, and
    their file identities (equal identities: the very same bytes)."""
    key = Path(os.path.abspath(root))
    with _cache_lock:
        known = _cache.get(key, {})
    store = VersionStore(root)
    out: dict[tuple, Segment] = {}
    for entry in manifest.segments:
        directory = version_dir / SEGMENTS_DIR / entry.name
        identity = _identity(directory)  # taken before reading: a later rewrite won't match
        segment = known.get(identity)
        if segment is None:
            if verify:
                prefix = f"{SEGMENTS_DIR}/{entry.name}/"
                store.verify_files(version_dir, {rel: meta for rel, meta in manifest.files.items()
                                                 if rel.startswith(prefix)})
            try:
                segment = read_segment(entry.name, directory)
            except Exception as exc:  # checksums passed, so this is a format/bug-level problem
                raise IndexCorruptError(
                    f"Could not read index segment {directory}: {exc}. {REBUILD_HINT}") from exc
            if segment.rows != entry.rows:
                raise IndexCorruptError(f"Segment {entry.name} has {segment.rows} rows, the manifest "
                                        f"says {entry.rows}. {REBUILD_HINT}")
        out[identity] = segment
    if verify:
        with _cache_lock:
            _cache[key] = out  # only this version's segments: merged-away ones are released
    return list(out.values()), tuple(out)


def remember_segments(root: Path, version_dir: Path, manifest: Manifest, written: list[Segment]) -> None:
    """After publishing: cache the segments just written from memory under their final
    identity (linked ones are already cached: same inodes), so the first load of the new
    version neither re-reads nor re-hashes anything."""
    key = Path(os.path.abspath(root))
    written_by_name = {segment.name: segment for segment in written}
    for segment in written:  # map the written sentence vectors rather than hold them in memory
        if segment.sentences is not None:
            segment.sentences = read_sentences(version_dir / SEGMENTS_DIR / segment.name)
    with _cache_lock:
        known = _cache.get(key, {})
        fresh = {}
        for entry in manifest.segments:
            identity = _identity(version_dir / SEGMENTS_DIR / entry.name)
            segment = known.get(identity) or written_by_name.get(entry.name)
            if segment is not None:
                fresh[identity] = segment
        _cache[key] = fresh


def load_index(root: Path, verify: bool = True, settings: IndexSettings | None = None) -> SearchIndex:
    """Load the live version; every file is checksum-verified against the manifest
    (once per segment and process, see the module docstring)."""
    settings = settings or IndexSettings()
    store = VersionStore(root)
    version_dir = store.current_dir()
    manifest = store.read_manifest(version_dir)
    segments, identity = open_segments(root, version_dir, manifest, verify=verify)
    key = Path(os.path.abspath(root))
    with _cache_lock:
        merged = _merged.get(key)
    if merged is not None and merged[0] == version_dir.name and merged[1] == identity:
        return merged[2]

    masks = segment_masks(segments, live_mask(manifest))
    chunks = [c for seg, keep in zip(segments, masks) for c, k in zip(seg.chunks, keep.tolist()) if k]
    ids = np.concatenate([seg.ids[keep] for seg, keep in zip(segments, masks)]) if segments else np.zeros(0, np.int64)
    lexical = LexicalIndex.from_term_freqs(TermFreqs.concat([(s.tf, k) for s, k in zip(segments, masks)]))
    if len(chunks) != manifest.n_chunks:
        raise IndexCorruptError(f"The index holds {len(chunks)} live chunks, its manifest says "
                                f"{manifest.n_chunks}. {REBUILD_HINT}")
    sentences = None
    if manifest.sentences is not None:
        lacking = [s.name for s in segments if s.sentences is None]
        if lacking:
            raise IndexCorruptError(f"Segment {lacking[0]} has no sentence vectors, its manifest says it "
                                    f"should. {REBUILD_HINT}")
        sentences = SentenceLookup.build([s.sentences for s in segments], masks, manifest.sentences.model_id)
    index = SearchIndex(manifest, version_dir.name, chunks, ids,
                        _dense(int(manifest.embedder.dim), segments, masks, settings), lexical, sentences)
    if verify:
        with _cache_lock:
            _merged[key] = (version_dir.name, identity, index)
    return index


def _dense(dim: int, segments: list[Segment], masks: list[np.ndarray], settings: IndexSettings) -> DenseIndex:
    """Rows of segments with a graph are searched through it; the rest go into one flat index."""
    flat_vectors, flat_rows, graphs, start = [], [], [], 0
    for segment, keep in zip(segments, masks):
        live = int(np.count_nonzero(keep))
        if segment.graph is not None:
            rows = np.full(segment.rows, -1, dtype=np.int64)
            rows[keep] = np.arange(start, start + live)
            graphs.append(GraphPart(segment.graph, segment.vectors, rows, np.flatnonzero(keep)))
        elif live:
            flat_vectors.append(segment.vectors[keep])
            flat_rows.append(np.arange(start, start + live))
        start += live
    return DenseIndex(dim, np.concatenate(flat_vectors) if flat_vectors else np.zeros((0, dim), np.float32),
                      np.concatenate(flat_rows) if flat_rows else np.zeros(0, np.int64), graphs, start,
                      settings.hnsw_ef_search, settings.exact_filter_max_rows)
