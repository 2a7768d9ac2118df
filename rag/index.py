"""The search index: FAISS vectors + BM25 + chunk metadata, loaded from one store version.

Loading verifies every file's sha256. Within one process, the last verified version of each
index directory is kept and handed out again while its files are unchanged (same names,
sizes, inodes and mtimes): versions are immutable, so re-hashing hundreds of MB on every
`load_index` (each query-side reload and each incremental update) would buy nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexCorruptError, IndexMismatchError
from rag.lexical import LexicalIndex
from rag.store import REBUILD_HINT, IndexStore
from rag.types import Chunk, chunk_from_dict

_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))

VECTORS = "vectors.faiss"
CHUNKS = "chunks.jsonl"
BM25_DIR = "bm25"


@dataclass
class SearchIndex:
    """Rows are chunks in `chunks` order; FAISS ids (`ids[row]`) are stable across updates."""

    manifest: dict[str, Any]
    version: str
    chunks: list[Chunk]
    ids: np.ndarray  # int64, row -> faiss id
    vectors: Any  # faiss.IndexIDMap2 over IndexFlatIP
    lexical: LexicalIndex
    # chunks.jsonl exactly as on disk (one line per row), so an update copies unchanged
    # rows' lines instead of re-serialising every chunk.
    chunk_lines: bytes | None = None

    def __post_init__(self) -> None:
        self._row_of_id = {int(i): row for row, i in enumerate(self.ids)}

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]["model_id"]

    @property
    def dim(self) -> int:
        return int(self.manifest["embedder"]["dim"])

    def check_embedder(self, model_id: str, dim: int) -> None:
        """Refuse to mix vectors of two models: a query must use the index's embedder."""
        if model_id != self.embedder_id or dim != self.dim:
            raise IndexMismatchError(
                f"The index was built with embedder {self.embedder_id!r} (dim {self.dim}), but "
                f"{model_id!r} (dim {dim}) is configured. Rebuild with: rag index --rebuild"
            )

    def dense(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Top-n (row, cosine) for one L2-normalised query vector."""
        if not self.chunks:
            return []
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), min(n, len(self.chunks)))
        return [(self._row_of_id[int(i)], float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def lexical_scores(self, query: str) -> np.ndarray:
        return self.lexical.scores(query)

    def vectors_for_rows(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.vectors.reconstruct_batch(np.ascontiguousarray(self.ids[rows], dtype=np.int64))

    def status(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "documents": len(self.manifest.get("documents", {})),
            "chunks": len(self.chunks),
            "embedder": self.embedder_id,
            "dim": self.dim,
            "built_at": self.manifest.get("created_at"),
            "chunking": self.manifest.get("chunking"),
        }


def read_chunks(path: Path) -> tuple[list[Chunk], np.ndarray, bytes]:
    data = path.read_bytes()
    chunks, ids = [], []
    for line in data.decode("utf-8").split("\n"):
        if line:
            record = json.loads(line)
            ids.append(record.pop("id"))
            chunks.append(chunk_from_dict(record))
    return chunks, np.asarray(ids, dtype=np.int64), data


_verified: dict[Path, tuple[tuple, SearchIndex]] = {}
_verified_lock = threading.Lock()


def _signature(version_dir: Path) -> tuple:
    """Cheap identity of a version's files; any rewrite, truncation or swap changes it."""
    out = []
    for path in sorted(p for p in version_dir.rglob("*") if p.is_file()):
        st = path.stat()
        out.append((path.relative_to(version_dir).as_posix(), st.st_size, st.st_ino, st.st_mtime_ns))
    return tuple(out)


def remember(root: Path, index: SearchIndex, signature: tuple | None = None) -> None:
    """Record `index` as the verified content of its version (loaded, or just published
    from these very bytes)."""
    if signature is None:
        signature = _signature(IndexStore(root).versions / index.version)
    with _verified_lock:
        _verified[Path(os.path.abspath(root))] = (signature, index)


def forget_verified() -> None:
    """Drop the per-process cache, so the next load re-reads and re-verifies (benchmarks)."""
    with _verified_lock:
        _verified.clear()


def load_index(root: Path, verify: bool = True) -> SearchIndex:
    """Load the live version; every file is checksum-verified against the manifest
    (once per version and process, see the module docstring)."""
    import faiss

    store = IndexStore(root)
    version_dir = store.current_dir()
    key = Path(os.path.abspath(root))
    with _verified_lock:
        cached = _verified.get(key)
    signature = _signature(version_dir)  # taken before reading: a later rewrite won't match
    if cached is not None and cached[1].version == version_dir.name and cached[0] == signature:
        return cached[1]
    manifest = store.read_manifest(version_dir, verify=verify)
    try:
        chunks, ids, lines = read_chunks(version_dir / CHUNKS)
        vectors = faiss.read_index(str(version_dir / VECTORS))
        lexical = LexicalIndex.load(version_dir / BM25_DIR)
    except Exception as exc:  # checksums passed, so this is a format/bug-level problem
        raise IndexCorruptError(f"Could not read the index in {version_dir}: {exc}. {REBUILD_HINT}") from exc
    if vectors.ntotal != len(chunks) or lexical.size != len(chunks):
        raise IndexCorruptError(
            f"Index parts disagree: {vectors.ntotal} vectors, {lexical.size} BM25 rows, "
            f"{len(chunks)} chunks. {REBUILD_HINT}"
        )
    index = SearchIndex(manifest, version_dir.name, chunks, ids, vectors, lexical, lines)
    if verify:
        remember(root, index, signature)
    return index


def _chunk_line(chunk_id: int, chunk: Chunk) -> bytes:
    # A plain dict in field order: dataclasses.asdict deep-copies and is ~10x slower.
    record = {"id": chunk_id, **{name: getattr(chunk, name) for name in _CHUNK_FIELDS}}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def _kept_lines(old: SearchIndex, keep_rows: np.ndarray) -> list:
    """The old chunks.jsonl lines of the kept rows, as a few slices of the old bytes."""
    buf = np.frombuffer(old.chunk_lines or b"", dtype=np.uint8)
    ends = np.flatnonzero(buf == 10) + 1
    if len(ends) != len(old.chunks):  # not a file we wrote line-per-row: serialise again
        return [_chunk_line(int(old.ids[r]), old.chunks[r]) for r in np.flatnonzero(keep_rows)]
    starts = np.concatenate([[0], ends[:-1]])
    edges = np.diff(np.concatenate([[0], keep_rows.astype(np.int8), [0]]))
    view = memoryview(old.chunk_lines)
    return [view[starts[a]:ends[b - 1]] for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]


def _write(path: Path, data) -> dict[str, Any]:
    """Write bytes and return their manifest entry; hashing the buffer we already hold
    saves reading the file back."""
    with open(path, "wb") as fh:
        fh.write(data)
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _kept_vectors(old: SearchIndex, keep: np.ndarray) -> np.ndarray:
    """Vectors of the kept rows, in row order."""
    import faiss

    if faiss.vector_to_array(old.vectors.id_map).tolist() == old.ids.tolist():
        # Stored in row order (every version we write): slice the flat codes directly.
        flat = faiss.downcast_index(old.vectors.index)
        codes = faiss.rev_swig_ptr(flat.get_xb(), old.vectors.ntotal * old.dim)
        return codes.reshape(old.vectors.ntotal, old.dim)[keep]
    return old.vectors.reconstruct_batch(np.ascontiguousarray(old.ids[keep]))


def write_version(tmp: Path, old: SearchIndex | None, plan, new_vectors: np.ndarray, dim: int):
    """Write the data files of a new version into `tmp`: the rows of `old` where
    `plan.keep_rows`, then `plan.new_chunks`. Returns the in-memory SearchIndex (manifest
    and version still to fill in) and the manifest entries of the files already hashed."""
    import faiss

    keep = plan.keep_rows if old is not None else np.zeros(0, dtype=bool)
    kept_ids = old.ids[keep] if old is not None else np.zeros(0, dtype=np.int64)
    new = np.empty((len(plan.new_chunks), dim), dtype=np.float32)
    if plan.to_embed:
        new[plan.to_embed] = new_vectors
    if plan.reused:
        new[[p for p, _ in plan.reused]] = old.vectors.reconstruct_batch(
            np.asarray([o for _, o in plan.reused], dtype=np.int64))
    ids = np.concatenate([kept_ids, np.asarray(plan.new_ids, dtype=np.int64)])
    # Vectors go in row order: one batch gather for the kept ones (no per-id Python loop) and
    # a single add (two adds would grow, i.e. copy, the 100+ MB code array twice).
    vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if len(ids):
        kept = _kept_vectors(old, keep) if len(kept_ids) else new[:0]
        vectors.add_with_ids(np.concatenate([kept, new]) if len(kept) else new, ids)
    # faiss's own file writer; serialize_index + write + hash of the buffer measured 2x slower.
    faiss.write_index(vectors, str(tmp / VECTORS))
    files: dict[str, Any] = {}

    kept_chunks = [old.chunks[r] for r in np.flatnonzero(keep)] if old is not None else []
    pieces = _kept_lines(old, keep) if len(kept_ids) else []
    pieces += [_chunk_line(i, c) for i, c in zip(plan.new_ids, plan.new_chunks)]
    lines = b"".join(pieces)
    files[CHUNKS] = _write(tmp / CHUNKS, lines)

    new_texts = [c.text for c in plan.new_chunks]
    if old is not None and old.lexical.tf is not None:
        lexical = old.lexical.updated(keep, new_texts)  # only the new chunks are tokenised
    else:
        lexical = LexicalIndex.build([c.text for c in kept_chunks] + new_texts)
    lexical.save(tmp / BM25_DIR)
    index = SearchIndex({}, "", kept_chunks + plan.new_chunks, ids, vectors, lexical, lines)
    return index, files
