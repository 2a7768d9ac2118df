"""Immutable index segments: the unit an update writes, links, merges and verifies.

An index version is a list of segments plus a manifest saying which chunk ids are live.
A segment holds some rows (chunks), each with its stable id, vector, JSONL line and BM25
term counts. Segments are never modified: an update writes one new segment for the new
rows and hard-links the unchanged ones into the new version (Lucene's design), so adding
one article to 10,000 costs O(article), not O(corpus). Deleted rows stay in their segment
until a merge drops them.

Files of `segments/<name>/` (all numpy arrays are loaded with allow_pickle=False):
    ids.npy          int64 (rows,)      stable chunk ids
    vectors.npy      float32 (rows, dim) L2-normalised embeddings
    chunks.jsonl     one JSON object per row, in row order
    tf_indptr.npy, tf_tokens.npy, tf_counts.npy   BM25 term counts (CSR over vocab.json)
    vocab.json       the segment's own stem list; segments merge vocabularies at load
    ann.faiss        only in large segments: an HNSW graph over the vectors (`ann.py`)
    sent_indptr.npy, sent_spans.npy, sent_vectors.npy   each row's sentences and their
                     vectors (`rag.index.sentences`); absent in segments written before they
                     were stored. The vectors are memory-mapped: a question reads ~35 rows.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.index.local.ann import ANN_FILE, graph_bytes, read_graph
from rag.index.local.lexical import TermFreqs
from rag.index.manifest import FileEntry
from rag.index.sentences import FILES as SENTENCE_FILES
from rag.index.sentences import SentenceRows
from rag.core.types import Chunk, chunk_from_dict

SEGMENT_FILES = ("ids.npy", "vectors.npy", "chunks.jsonl", "tf_indptr.npy", "tf_tokens.npy",
                 "tf_counts.npy", "vocab.json")


def segment_files(directory: Path) -> tuple[str, ...]:
    """The files of the segment in `directory`: the fixed ones, its sentences and its graph
    if it has them."""
    sentences = SENTENCE_FILES if (directory / SENTENCE_FILES[0]).is_file() else ()
    return SEGMENT_FILES + sentences + ((ANN_FILE,) if (directory / ANN_FILE).is_file() else ())


def chunk_line(chunk_id: int, chunk: Chunk) -> bytes:
    # A plain dict in field order: dataclasses.asdict deep-copies and is ~10x slower.
    record = {"id": chunk_id, **{name: getattr(chunk, name) for name in Chunk.__dataclass_fields__}}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class Segment:
    """Rows of one segment (immutable once built: read from disk, or built in memory and
    written by `write_segment`)."""

    name: str
    ids: np.ndarray  # int64 (rows,)
    vectors: np.ndarray  # float32 (rows, dim)
    lines: bytes  # chunks.jsonl, one line per row
    tf: TermFreqs  # term counts over this segment's own vocabulary
    graph: object | None = None  # faiss HNSW over `vectors` (large segments only)
    sentences: SentenceRows | None = None  # each row's sentence vectors (None: an older segment)

    @property
    def rows(self) -> int:
        return len(self.ids)

    @cached_property
    def line_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        buf = np.frombuffer(self.lines, dtype=np.uint8)
        ends = np.flatnonzero(buf == 10) + 1
        return np.concatenate([[0], ends[:-1]]).astype(np.int64), ends

    @cached_property
    def chunks(self) -> list[Chunk]:
        """Parsed on first use: an update that only links this segment never needs them."""
        out = []
        for line in self.lines.decode("utf-8").split("\n"):
            if line:
                record = json.loads(line)
                record.pop("id")
                out.append(chunk_from_dict(record))
        return out

    def select_lines(self, keep: np.ndarray) -> list:
        """The JSONL lines of rows where `keep`, as few slices of the segment's bytes."""
        starts, ends = self.line_bounds
        edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
        view = memoryview(self.lines)
        return [view[starts[a]:ends[b - 1]]
                for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]

    def check(self) -> None:
        """Shapes agree; raised as ValueError (the loader turns it into IndexCorruptError)."""
        starts, _ = self.line_bounds
        if not (len(self.vectors) == self.rows == len(starts) == self.tf.rows):
            raise ValueError(f"segment {self.name}: {self.rows} ids, {len(self.vectors)} vectors, "
                             f"{len(starts)} chunks, {self.tf.rows} term rows")
        if self.graph is not None and self.graph.ntotal != self.rows:
            raise ValueError(f"segment {self.name}: its graph has {self.graph.ntotal} rows, not {self.rows}")
        if self.sentences is not None:
            self.sentences.check(self.rows, self.sentences.dim)


def new_segment(name: str, ids: Sequence[int], chunks: Sequence[Chunk], vectors: np.ndarray,
                sentences: SentenceRows | None = None) -> Segment:
    lines = b"".join(chunk_line(int(i), c) for i, c in zip(ids, chunks))
    tf = TermFreqs.of_texts([c.text for c in chunks], {})
    return Segment(name, np.asarray(ids, dtype=np.int64), np.ascontiguousarray(vectors, dtype=np.float32),
                   lines, tf, sentences=sentences)


def merge_segments(name: str, parts: Sequence[tuple[Segment, np.ndarray]]) -> Segment:
    """One segment of the rows where each part's mask is true, in order (deleted rows drop);
    their sentences go along (none when a part has none: an index from before they were stored)."""
    ids = np.concatenate([seg.ids[keep] for seg, keep in parts])
    vectors = np.concatenate([seg.vectors[keep] for seg, keep in parts])
    lines = b"".join(piece for seg, keep in parts for piece in seg.select_lines(keep))
    tf = TermFreqs.concat([(seg.tf, keep) for seg, keep in parts]).compacted()
    sentences = None
    if all(seg.sentences is not None for seg, _ in parts):
        dim = parts[0][0].sentences.dim
        sentences = SentenceRows.concat([seg.sentences.take(keep) for seg, keep in parts], dim)
    return Segment(name, ids, np.ascontiguousarray(vectors, dtype=np.float32), lines, tf, sentences=sentences)


def _npy_bytes(arr: np.ndarray) -> memoryview:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getbuffer()


def write_segment(segment: Segment, directory: Path) -> dict[str, FileEntry]:
    """Write `segment` under `directory`; returns manifest entries (size, sha256) per file
    name, hashed from the bytes written so nothing is read back."""
    directory.mkdir(parents=True)
    blobs = {
        "ids.npy": _npy_bytes(segment.ids),
        "vectors.npy": _npy_bytes(segment.vectors),
        "chunks.jsonl": segment.lines,
        "tf_indptr.npy": _npy_bytes(segment.tf.indptr),
        "tf_tokens.npy": _npy_bytes(segment.tf.tokens),
        "tf_counts.npy": _npy_bytes(segment.tf.counts),
        "vocab.json": json.dumps(segment.tf.stems(), ensure_ascii=False).encode("utf-8"),
    }
    if segment.sentences is not None:
        blobs.update((f, _npy_bytes(np.ascontiguousarray(a))) for f, a in segment.sentences.arrays().items())
    if segment.graph is not None:
        blobs[ANN_FILE] = graph_bytes(segment.graph)
    return _write_blobs(directory, blobs)


def write_graph(graph, directory: Path) -> dict[str, FileEntry]:
    """Add a graph file to the existing segment directory `directory`."""
    return _write_blobs(directory, {ANN_FILE: graph_bytes(graph)})


def _write_blobs(directory: Path, blobs: dict) -> dict[str, FileEntry]:
    entries = {}
    for fname, data in blobs.items():
        with open(directory / fname, "wb") as fh:
            fh.write(data)
        entries[fname] = FileEntry(len(data) if isinstance(data, bytes) else data.nbytes,
                                   hashlib.sha256(data).hexdigest())
    return entries


def read_segment(name: str, directory: Path) -> Segment:
    """Load a segment's files (no pickle). Checksums are the caller's job (store manifest)."""
    arrays = {f: np.load(directory / f, allow_pickle=False) for f in SEGMENT_FILES if f.endswith(".npy")}
    stems = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    tf = TermFreqs({s: i for i, s in enumerate(stems)}, arrays["tf_indptr.npy"].astype(np.int64),
                   arrays["tf_tokens.npy"].astype(np.int32), arrays["tf_counts.npy"].astype(np.int32))
    graph = read_graph(directory / ANN_FILE) if (directory / ANN_FILE).is_file() else None
    segment = Segment(name, arrays["ids.npy"].astype(np.int64), arrays["vectors.npy"].astype(np.float32, copy=False),
                      (directory / "chunks.jsonl").read_bytes(), tf, graph, read_sentences(directory))
    segment.check()
    return segment


def read_sentences(directory: Path) -> SentenceRows | None:
    """A segment's sentences, the vectors memory-mapped (a question reads a few dozen of the
    ~7 per chunk); None for a segment written before they were stored."""
    if not (directory / SENTENCE_FILES[0]).is_file():
        return None
    indptr, spans, vectors = (directory / f for f in SENTENCE_FILES)
    return SentenceRows(np.load(indptr, allow_pickle=False).astype(np.int64, copy=False),
                        np.load(spans, allow_pickle=False).astype(np.int32, copy=False),
                        np.load(vectors, mmap_mode="r", allow_pickle=False))


def vectors_by_id(segments: Sequence[Segment], ids: Sequence[int], dim: int) -> np.ndarray:
    """The vectors of chunk ids, wherever they live (renamed documents reuse theirs)."""
    wanted = np.asarray(ids, dtype=np.int64)
    position = {int(i): n for n, i in enumerate(wanted)}
    out = np.zeros((len(wanted), dim), dtype=np.float32)
    for segment in segments:
        for row in np.flatnonzero(np.isin(segment.ids, wanted)):
            out[position[int(segment.ids[row])]] = segment.vectors[row]
    return out


def sentences_by_id(segments: Sequence[Segment], ids: Sequence[int], dim: int) -> SentenceRows:
    """The sentences of chunk ids, wherever they live (renamed documents reuse theirs)."""
    wanted = np.asarray(ids, dtype=np.int64)
    parts, order = [], []
    for segment in segments:
        rows = np.flatnonzero(np.isin(segment.ids, wanted))
        if len(rows) and segment.sentences is not None:
            parts.append(segment.sentences.take(rows))
            order.extend(int(i) for i in segment.ids[rows])
    found = SentenceRows.concat(parts, dim)
    position = {i: n for n, i in enumerate(order)}
    missing = [int(i) for i in wanted if int(i) not in position]
    if missing:
        raise ValueError(f"no stored sentences for chunk ids {missing[:5]}")
    return found.take(np.array([position[int(i)] for i in wanted], dtype=np.int64))


# A segment whose rows are more than half deleted is rewritten without them.
MAX_DEAD_FRACTION = 0.5
# Adjacent segments merge when the older holds at most this many times the newer's live
# rows: a binary-counter scheme, so there are O(log n) segments and each row is rewritten
# O(log n) times over its life, while a typical one-article update merges nothing big.
MERGE_RATIO = 2.0


def apply_merge_policy(segments: Sequence[Segment], masks: Sequence[np.ndarray], new_name) -> list[Segment]:
    """The segments of the next version, in order: empty ones dropped, sparse ones
    compacted, similar-sized neighbours merged. `masks[i]` marks segment i's live rows;
    `new_name()` names each segment written here."""
    out: list[tuple[Segment, np.ndarray]] = []
    for segment, keep in zip(segments, masks):
        live = int(np.count_nonzero(keep))
        if live == 0:
            continue
        if live < segment.rows * (1 - MAX_DEAD_FRACTION):
            segment, keep = merge_segments(new_name(), [(segment, keep)]), np.ones(live, dtype=bool)
        out.append((segment, keep))
        while len(out) >= 2 and np.count_nonzero(out[-2][1]) <= MERGE_RATIO * np.count_nonzero(out[-1][1]):
            newer, older = out.pop(), out.pop()
            merged = merge_segments(new_name(), [older, newer])
            out.append((merged, np.ones(merged.rows, dtype=bool)))
    return [segment for segment, _ in out]
